"""The HTML styling shared by the checks' verdicts and the widgets' text."""
import base64

import pytest
from IPython.core.interactiveshell import InteractiveShell

from course_utils.notation import BLUE, BLUE_TEXT, GREY_TEXT, VERMILLION, VERMILLION_TEXT
from course_utils.style import contrast, verdict_html


def test_contrast_ratios_match_the_wcag_examples():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast(VERMILLION, "#FFFFFF") < 4.5 < contrast(VERMILLION_TEXT, "#FFFFFF")


@pytest.mark.parametrize("shade", [BLUE_TEXT, VERMILLION_TEXT, GREY_TEXT])
@pytest.mark.parametrize("background", ["#FFFFFF", "#E3F1FB", "#FBE7DA"])
def test_text_shades_pass_aa_on_white_and_on_the_lit_tints(shade, background):
    assert contrast(shade, background) >= 4.5
    assert contrast(BLUE, "#FBE7DA") < 4.5      # why the shades exist


@pytest.mark.parametrize("status, mark", [("correct", "✔ Correct"), ("wrong", "✘ Not yet"),
                                          ("not attempted", "… Not attempted yet")])
def test_verdict_shows_its_mark_in_the_themes_ink(status, mark):
    shown = verdict_html(status, "`w_bar` is off: expected 1 < 2")
    assert f"<strong>{mark}</strong>" in shown
    assert "<code>w_bar</code> is off: expected 1 &lt; 2" in shown
    assert "color:var(--jp-content-font-color1" in shown and 'role="status"' in shown


def test_unknown_verdict_status_is_refused():
    with pytest.raises(ValueError, match="status must be one of correct, wrong"):
        verdict_html("maybe", "")


def test_a_figure_is_shown_with_a_text_alternative_read_from_it():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_utils.style import figure_picture, show_figure

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0], label="cost")
    ax.set(title="Training", xlabel="epoch", ylabel="E")
    ax.legend()
    shown = show_figure(fig)
    assert plt.fignum_exists(fig.number) is False          # shown once, with its alternative
    assert shown.alt == "Figure: Training: E against epoch (cost)."
    assert 'alt="Figure: Training: E against epoch (cost)."' in shown._repr_html_()
    assert shown.data.startswith(b"\x89PNG")
    bundle, _ = InteractiveShell.instance().display_formatter.format(shown)
    assert sorted(bundle) == ["text/html", "text/plain"]   # the PNG once, inside the HTML
    assert shown._repr_html_().count(base64.b64encode(shown.data).decode()) == 1
    assert figure_picture(fig, "two lines")._repr_html_().count('alt="two lines"') == 1


def test_a_text_alternative_says_the_mathtext_of_a_label_in_words():
    from course_utils.style import spoken
    assert spoken(r"$x_2$ against $x_1$") == "x₂ against x₁"
    assert spoken(r"cost $\mathcal{E}$, $\eta$ = 5") == "cost E, η = 5"
    assert spoken(r"$\bar{w}$ and $h_{12}$") == "w̄ and h₁₂"
    assert spoken("no math, 5 $") == "no math, 5 $"


def test_no_stored_picture_has_raw_tex_in_its_text_alternative():
    import re

    from stored import SERIES, stored_html
    raw = [(path.name, alt) for path in sorted(SERIES.glob("*.ipynb"))
           for html in stored_html(path.name) for alt in re.findall(r'alt="([^"]*)"', html)
           if re.search(r"\$[^$]+\$|\\[a-z]+", alt)]
    assert not raw, f"text alternatives with raw TeX: {raw[:3]}"
