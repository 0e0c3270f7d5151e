"""Survivors' feedback: the survey a reporter answers once their case is closed, and the
answers of people who are not ready to report.

Both are stored apart from any report, with no link back to one and no time finer than the
quarter, so that what they say about the process can be counted without being traced. The
pages that ask them are the reporter's doors (``portal``); the counts are ``stats``'.
"""

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
