"""What students get back: nbgrader's feedback HTML without the hidden tests, and a Markdown summary.

- `html.generate_feedback(course_root)`  -> feedback/<student>/day76/*.html (nbgrader's own step)
- `outcomes.student_outcomes(course_root, student)` -> each graded cell's score and message
- `markdown.write_summaries(course_root, out_dir)` -> one pasteable Markdown file per student
"""
