"""What instructors read: grades as CSV (nbgrader's export + a per-question table) and a class report.

- `grades.question_table(course_root)` -> pandas DataFrame, student x graded cell
- `grades.write_grades(course_root, out_dir)` -> nbgrader's grades.csv + per_question.csv
- `class_report.build_report(course_root, out_dir, collection_report=None)` -> index.html + PNGs
- `collection.read_collection_report(csv)` -> what `autograder collect` said about each student
"""
