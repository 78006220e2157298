"""What students get back: nbgrader's feedback HTML without the hidden tests, and a Markdown summary.

- `html.generate_feedback(course)` -> feedback/<student>/<assignment>/*.html (nbgrader's own step,
  with `hide_hidden_tests.HideHiddenTests` and `math.RenderMathOffline` on the way)
- `markdown.write_summaries(course)` -> summaries/<assignment>/<student>.md, from `autograder.outcome`
"""
