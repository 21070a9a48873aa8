"""Scoring core: answers document in, scores and findings out. No Flask, no database."""

from .answers import AnswersDocument, AnswersError, parse_document, read_document, validate_document
from .benchmark import Benchmark, PeerScores, benchmark
from .engine import Finding, Result, score
from .output import result_json, result_text

__all__ = [
    "AnswersDocument", "AnswersError", "Benchmark", "Finding", "PeerScores", "Result",
    "benchmark", "parse_document", "read_document", "result_json", "result_text", "score",
    "validate_document",
]  # fmt: skip
