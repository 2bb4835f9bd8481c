"""Grading a class: `python -m course_utils.grade SUBMISSIONS OUT`.

How it is built, one module per job:

    submissions  finds the students and their notebooks, both layouts; puts each student's
                 solution regions into the instructor's notebook (everything else is the
                 instructor's, as in nbgrader)
    sandbox      the worker's cage: bubblewrap where it works, else limits, a fresh temporary
                 folder and time-outs; the copy of course_utils without reference answers
    worker       runs inside the cage: the student's notebook, then calls of its functions
    channel      the only way between the two: calls and values as JSON, decoded safely
    session      the grader's side of one worker: runs a notebook's checks against it
    checker      one student's notebooks, in a process that never runs student code
    run          the class: jobs in parallel, progress, the cache keyed by content
    outputs      grades.csv, grades.json, feedback/<student>.html and report.html
    nbgrader     nbgrader cell metadata for the instructor notebooks

Why two processes per notebook: the checks (and the reference answers inside them) live in the
grader, which never runs a line of the student's code; the student's code runs in the worker,
which holds no reference answer and sees no verdict. What crosses between them is data.
"""
