"""A late-submission penalty for nbgrader: points off per started hour after the due date.

nbgrader ships only "none" (its default: lateness is recorded, nothing is taken off) and "zero"
(a late notebook scores 0). A course that wants something in between names this plugin in its
nbgrader_config.py; plain `nbgrader autograde` and `autograder grade` both apply it (nbgrader's
own `AssignLatePenalties` calls it), and every summary and report shows the penalty:

    c.AssignLatePenalties.plugin_class = "autograder.late_penalty.PointsPerHour"
    c.PointsPerHour.points_per_hour = 1.0      # per started hour late
    c.PointsPerHour.max_points = 5.0           # never more than this (and never more than the score)

nbgrader computes the penalty when it autogrades, on the autograded score.
"""

from __future__ import annotations

import math

from nbgrader.plugins.latesubmission import LateSubmissionPlugin
from traitlets import Float


class PointsPerHour(LateSubmissionPlugin):
    points_per_hour = Float(1.0, help="Points taken off per started hour after the due date.").tag(config=True)
    max_points = Float(float("inf"), help="The largest penalty, in points.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        if total_seconds_late <= 0:
            return None
        hours = math.ceil(total_seconds_late / 3600)
        penalty = min(hours * self.points_per_hour, self.max_points, score)
        self.log.info("%s: %d started hour(s) late, penalty %g point(s)", student_id, hours, penalty)
        return penalty
