"""Storage control plane rules: global bucket names, reserved names, delete only empty, lifecycle validation,
per-bucket keys (secret once, cap), presign validation."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.storage.blobs import BlobStore
from reference_server.storage.objects import Stored, delete_object, place_object

from .compute_harness import Harness

pytestmark = pytest.mark.server

OTHER = "acc-00000000000000bb"


def test_bucket_names_are_global_and_reserved_forms_are_422() -> None:
    h = Harness()
    assert h.call("buckets_create", body={"name": "logs-1"}).status == 201
    assert h.call("buckets_create", body={"name": "logs-1"}).status == 409
    assert h.call("buckets_create", OTHER, body={"name": "logs-1"}).status == 409
    assert h.call("buckets_get", OTHER, bucket_name="logs-1").status == 404
    for name in ("xn--abc", "data-s3alias", "sthree-x", "a--ol-s3"):
        assert h.call("buckets_create", body={"name": name}).status == 422


def test_bucket_with_objects_cannot_be_deleted_and_counters_follow() -> None:
    h = Harness()
    h.call("buckets_create", body={"name": "full"})
    blobs = BlobStore(None)
    place_object(h.ctx, blobs, "full", "a.txt", Stored(file="f", size=5, etag='"e"'))
    got = h.call("buckets_get", bucket_name="full")
    assert (got["object_count"], got["size_bytes"]) == (1, 5)
    assert h.call("buckets_delete", bucket_name="full").status == 409
    assert delete_object(h.ctx, blobs, "full", "a.txt")
    got = h.call("buckets_get", bucket_name="full")
    assert (got["object_count"], got["size_bytes"]) == (0, 0)
    assert h.call("buckets_delete", bucket_name="full").status == 200
    assert h.call("buckets_get", bucket_name="full").status == 404


def rule(rid: str = "r1", **extra: Any) -> dict[str, Any]:
    return {"id": rid, "status": "Enabled", **extra}


@pytest.mark.parametrize(
    ("rules", "status"),
    [
        ([rule(expiration={"days": 30})], 200),
        (
            [
                rule(
                    transitions=[
                        {"days": 30, "storage_class": "infrequent"},
                        {"days": 90, "storage_class": "archive"},
                    ],
                    expiration={"days": 365},
                )
            ],
            200,
        ),
        ([rule()], 422),  # no action
        ([rule(expiration={"days": 1}), rule(expiration={"days": 2})], 422),  # repeated id
        ([rule(transitions=[{"days": 30, "storage_class": "archive"}], expiration={"days": 30})], 422),
        (
            [
                rule(
                    transitions=[
                        {"days": 90, "storage_class": "infrequent"},
                        {"days": 30, "storage_class": "archive"},
                    ]
                )
            ],
            422,
        ),
        ([rule(transitions=[{"days": 1, "storage_class": "archive"}, {"days": 2, "storage_class": "archive"}])], 422),
    ],
)
def test_lifecycle_validation(rules: list[dict[str, Any]], status: int) -> None:
    h = Harness()
    h.call("buckets_create", body={"name": "lc"})
    assert h.call("bucket_lifecycle_put", body={"rules": rules}, bucket_name="lc").status == status


def test_lifecycle_get_delete_404_without_one() -> None:
    h = Harness()
    h.call("buckets_create", body={"name": "lc"})
    assert h.call("bucket_lifecycle_get", bucket_name="lc").status == 404
    assert h.call("bucket_lifecycle_delete", bucket_name="lc").status == 404
    config = {"rules": [rule(prefix="logs/", expiration={"days": 7})]}
    assert h.call("bucket_lifecycle_put", body=config, bucket_name="lc").body == config
    assert h.call("bucket_lifecycle_get", bucket_name="lc").body == config
    assert h.call("bucket_lifecycle_delete", bucket_name="lc").status == 200
    assert h.call("bucket_lifecycle_get", bucket_name="lc").status == 404


def test_keys_secret_shown_once_and_capped() -> None:
    h = Harness()
    h.call("buckets_create", body={"name": "k"})
    created = h.call("bucket_keys_create", body={"name": "ci", "permission": "read"}, bucket_name="k")
    assert created.status == 201
    assert len(created["secret_access_key"]) == 40
    assert "secret_access_key" not in h.call("bucket_keys_get", bucket_name="k", key_id=created["id"]).body
    assert all("secret_access_key" not in k for k in h.call("bucket_keys_list", bucket_name="k").body["keys"])
    for n in range(9):
        assert h.call("bucket_keys_create", body={"name": f"k{n}"}, bucket_name="k").status == 201
    assert h.call("bucket_keys_create", body={"name": "one-too-many"}, bucket_name="k").status == 409
    h.call("buckets_create", body={"name": "k2"})
    assert h.call("bucket_keys_get", bucket_name="k2", key_id=created["id"]).status == 404
    assert h.call("bucket_keys_delete", bucket_name="k", key_id=created["id"]).status == 200
    assert h.call("bucket_keys_get", bucket_name="k", key_id=created["id"]).status == 404


def test_presign_rules() -> None:
    h = Harness()
    for name in ("pa", "pb"):
        h.call("buckets_create", body={"name": name})
    reader = h.call("bucket_keys_create", body={"name": "r", "permission": "read"}, bucket_name="pa")["id"]
    writer_b = h.call("bucket_keys_create", body={"name": "w"}, bucket_name="pb")["id"]
    base = {"method": "GET", "key": "a/b.txt", "expires_in": 60}
    ok = h.call("buckets_presign", body={**base, "access_key_id": reader}, bucket_name="pa")
    assert ok.status == 200
    assert ok["url"].startswith("http://127.0.0.1:9/s3/pa/a/b.txt?X-Amz-Algorithm=")
    assert h.call("buckets_presign", body={**base, "access_key_id": writer_b}, bucket_name="pa").status == 422
    put = {**base, "method": "PUT", "access_key_id": reader}
    assert h.call("buckets_presign", body=put, bucket_name="pa").status == 422
    too_long = {**base, "key": "é" * 600, "access_key_id": reader}
    assert h.call("buckets_presign", body=too_long, bucket_name="pa").status == 422
