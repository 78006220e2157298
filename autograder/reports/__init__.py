"""What instructors read: grades as CSV and a class report, from `autograder.outcome`.

- `grades.write_grades(course, out_dir, outcomes)` -> grades.csv (nbgrader's export), students.csv,
  per_question.csv, questions.csv
- `class_report.build_report(course, out_dir, collection_report)` -> index.html + PNGs (+ the CSVs)
- `sections`: the course's own report sections (`c.ClassReport.sections`)
"""
