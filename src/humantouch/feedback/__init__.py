"""Feedback and measurement: surveys after a resolution, the metrics, the scorecard, follow-ups
for unhappy customers, and the HTML report (docs/feedback.md)."""
