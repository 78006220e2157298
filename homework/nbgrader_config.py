# nbgrader configuration for the Day 76 optimizers course.
# Plain `cd homework && nbgrader autograde day76` reads this file, and so does the project's own
# grader (`autograder grade`), so both give the same scores.
c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "day76-optimizers"
# The class's time zone: a deadline written without one (`autograder collect --deadline
# "2026-11-30 23:59"`) is read in it, and nbgrader records times in it.
c.Exchange.timezone = "Asia/Taipei"

# --- the course, as the autograder's commands see it (`autograder ...` run in this folder or the
# repository root picks these up; generic machinery never names the course itself) -------------
c.Course.assignment = "day76"
c.Course.notebook = "Day76-Optimizer_HW.ipynb"
c.Course.title = "Day 76 優化器 (optimizers) homework"
# graded cells summed per part (作業1 / 作業2) in feedback, summaries and the class report
c.Course.parts = {
    "作業1": ["test_p1_public", "test_p1_accuracy", "test_p1_consistency", "test_p1_plot"],
    "作業2": ["test_p2_public", "test_p2_accuracy", "test_p2_consistency", "test_p2_plot"],
}

# --- executing student notebooks -------------------------------------------------------------
# Training cells take seconds to a minute on a laptop CPU; nbgrader's default of 30 s per cell
# is too short. A runaway cell is still stopped after 10 minutes.
c.Execute.timeout = 600
c.Execute.startup_timeout = 120
# TensorFlow writes start-up messages and warnings to stderr, and nbgrader gives 0 points to a
# grade cell with *any* stderr output. A test fails by raising (an error output), never by
# printing, so stderr is dropped from every cell before grades are taken.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]*"
# Keep graded notebooks readable when a submission prints a lot.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# --- `autograder grade` (its own settings; plain nbgrader ignores them) -------------------------
# Test cells are decided in a clean process from what the kernel exports (models, histories,
# tables, figures), never in the student's kernel: this homework's tests check data, not code.
c.Grade.verify = True
# The secret test set: the hidden tests measure accuracy on pixel-noise copies of the held-out
# digits keyed by this environment variable, which `autograder grade` hands to its clean verifier
# only (never to a student's kernel). Set it in the grading shell, never in a file you commit:
#     export DAY76_TEST_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
c.Grade.secret_env = ["DAY76_TEST_SECRET"]

# --- fairness ----------------------------------------------------------------------------------
# A student who deletes a test cell is graded with the original test: nbgrader re-inserts it.
# (Edited test cells are always restored from the gradebook by OverwriteCells.)
c.OverwriteCells.add_missing_cells = True

# --- generating the student version ------------------------------------------------------------
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- the student edition and Validate (`autograder student-edition DIR`) -----------------------
# Students get a repository built from these settings, never this one (it holds source/).
# Validate (the button and `nbgrader validate`) reads the Execute and IgnorePattern settings above:
# the edition copies them into its own nbgrader_config.py; in this repository `make lab` points the
# button at this file, and `cd homework && nbgrader validate ...` reads it directly.
c.StudentEdition.lessons = ["../course"]
c.StudentEdition.lab_opens = ["course/Day76-Optimizer_example.ipynb"]
c.StudentEdition.homework_dir = "homework"
c.StudentEdition.requirements = "../requirements.lock"
c.StudentEdition.title = "Day 76 · 優化器 (Optimizers)"
c.StudentEdition.hand_in = (
    "Hand-in: commit and push `homework/Day76-Optimizer_HW.ipynb` to a GitHub repository of yours and "
    "paste the link (to the file or the repository) where your course asks for it. Your last commit "
    "before the deadline is graded."
)

# --- the class report (`autograder report`) ----------------------------------------------------
# This course's own report sections: the class's accuracy per optimizer (作業1) and the
# batch size x epochs trend (作業2), read from the records the hidden tests leave.
c.ClassReport.sections = "day76.report"
