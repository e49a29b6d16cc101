"""Grading: answers against a finished Result (answers.py), homework sheets, class grading
against a key (grade.py), formula answers, mistake diagnosis (slips.py), and the
finite-difference gradient check."""
