"""A batch of PDF reports through the API, rendered by a real `assess worker`, downloaded as ZIP."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from tests.api.conftest import bearer, example_document, store
from tests.jobs.conftest import queue_app, worker  # noqa: F401  (fixtures)


@pytest.mark.parametrize("queue_app", ["sqlite"], indirect=True)
def test_a_batch_through_the_api_runs_to_done_and_downloads(queue_app, worker, world):  # noqa: F811
    client = queue_app.test_client()
    headers = bearer(world.tokens["consultant_a"])
    document = example_document()
    ids = [store(client, world.tokens["consultant_a"], document, firm_id=world.client_a),
           store(client, world.tokens["consultant_a"],
                 {**document, "firm": {**document["firm"], "name": "둘째정밀"}})]  # fmt: skip
    started = client.post("/api/v1/reports/batch", json={"assessments": ids, "language": "en"},
                          headers=headers)  # fmt: skip
    assert started.status_code == 202
    job = started.get_json()["job"]
    deadline = time.monotonic() + 120
    while (progress := client.get(f"/api/v1/jobs/{job}", headers=headers).get_json())[
            "status"] not in ("done", "failed") and time.monotonic() < deadline:  # fmt: skip
        time.sleep(0.3)
    assert progress == {"status": "done", "done": 2, "total": 2, "failed": 0}
    response = client.get(f"/api/v1/jobs/{job}/download", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    data = response.get_data()
    response.close()  # sent from an open file
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(["시험정밀.pdf", "둘째정밀.pdf", "status.csv"])
