"""What a run leaves for a reviewer: the sign-off report (HTML, Markdown, JSON), plots, SARIF.

Also the waivers a reviewer signs, which the report applies.
"""
