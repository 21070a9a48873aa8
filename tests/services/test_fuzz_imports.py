"""Fuzzing the import of answers documents (`assess import`, and a consultancy's clients): any
document is stored once as a submitted assessment, or refused with the field at fault
(AnswersError, ClientError) and nothing written; the command exits 1 naming file and field."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment
from assess.scoring import AnswersError
from assess.services import accounts
from assess.services.clients import ClientError
from assess.services.imports import import_document
from tests.scoring.test_fuzz_answers import BASES, DOCUMENTS, TEXTS
from tests.strategies import ERROR_FIELD, fuzz_settings

DICTS = DOCUMENTS.filter(lambda d: isinstance(d, dict))


def count(app) -> int:
    return db.session.scalar(select(func.count()).select_from(Assessment))


def test_any_document_is_imported_once_or_refused_naming_the_field(app):
    with app.app_context():
        consultancy = accounts.create_organisation("퍼즈컨설팅", "consultancy")
        db.session.commit()
        consultancy_id = consultancy.id

    @given(DICTS | st.sampled_from(BASES), st.booleans())
    @fuzz_settings(150)
    def fuzz(data, as_client):
        with app.app_context():
            organisation = db.session.get(accounts.Organisation, consultancy_id)
            before = count(app)
            try:
                stored = import_document(organisation if as_client else None, data)
            except (AnswersError, ClientError) as exc:
                db.session.rollback()
                assert exc.field and str(exc)
                assert count(app) == before  # nothing written
                return
            db.session.commit()
            assert count(app) == before + stored.created
            json.dumps(stored.assessment.answers, allow_nan=False)
            again = import_document(organisation if as_client else None, data)
            assert again.assessment.id == stored.assessment.id and not again.created

    fuzz()


def test_assess_import_exits_1_naming_file_and_field(app, runner, tmp_path_factory):
    @given(st.lists(TEXTS, min_size=1, max_size=3))
    @fuzz_settings(30)
    def fuzz(texts):
        folder = tmp_path_factory.mktemp("import")
        paths = []
        for i, text in enumerate(texts):
            paths.append(folder / f"answers-{i}.yaml")
            paths[-1].write_bytes(text.encode("utf-8", "surrogatepass"))
        result = runner.invoke(args=["import", *map(str, paths)])
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1), result.output
        summary = re.search(r"(\d+) imported, (\d+) already there, (\d+) failed", result.stdout)
        assert summary and sum(map(int, summary.groups())) == len(texts)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == int(summary.group(3))
        for line in errors:
            assert re.match(r"error: .+answers-\d\.yaml: " + ERROR_FIELD + ": ", line), line

    fuzz()
