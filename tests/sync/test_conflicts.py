"""The conflict rules, one case per rule of the issue: merge, identity, delete versus update, append-only, SKs."""

from __future__ import annotations

from sync.conflicts import Decision, EntityRules, HeldRecord, Outcome, decide

PERSON = EntityRules(identity_fields=frozenset({"nik", "nama", "tgl_lahir", "jenis_kelamin", "no_kk"}))
REALISASI = EntityRules(
    append_only=True,
    mutable_fields=frozenset({"status", "dibatalkan_at", "dibatalkan_oleh", "alasan_batal"}),
)
SK = EntityRules(final_state=("status", "final"))
PLAIN = EntityRules()

SITI = {"nik": "7501014403870001", "nama": "SITI RAHMA", "alamat": "JL. NANI WARTABONE", "rt": "001"}


def held(version=7, fields=None, changed=(), deleted=False, deleted_since=False) -> HeldRecord:
    return HeldRecord(
        version=version,
        fields=dict(SITI if fields is None else fields),
        deleted=deleted,
        changed_since_base=frozenset(changed),
        deleted_since_base=deleted_since,
    )


def upsert(rules, fields, base, record) -> Decision:
    return decide(rules, op="upsert", fields=fields, base=base, held=record)


def test_a_new_record_is_created_whole():
    decision = upsert(PERSON, SITI, 0, None)
    assert decision.outcome is Outcome.APPLIED and decision.apply_fields == SITI


def test_a_change_based_on_the_current_version_applies_only_what_differs():
    decision = upsert(PERSON, {"nama": "SITI RAHMAWATI", "rt": "001"}, 7, held())
    assert decision.outcome is Outcome.APPLIED
    assert decision.apply_fields == {"nama": "SITI RAHMAWATI"}


def test_concurrent_changes_to_different_fields_merge():
    decision = upsert(PERSON, {"rt": "004"}, 5, held(changed={"alamat"}))
    assert (decision.outcome, decision.code, decision.apply_fields) == (
        Outcome.APPLIED,
        "merged",
        {"rt": "004"},
    )


def test_the_same_value_written_on_both_sides_is_no_conflict():
    decision = upsert(PERSON, {"nama": "SITI RAHMA"}, 5, held(changed={"nama"}))
    assert decision.outcome is Outcome.APPLIED and decision.apply_fields == {}


def test_an_identity_field_changed_on_both_sides_is_never_overwritten_silently():
    decision = upsert(PERSON, {"nama": "SITI RAHMAH", "rt": "004"}, 5, held(changed={"nama"}))
    assert (decision.outcome, decision.code) == (Outcome.CONFLICT, "identity")
    assert decision.conflicting == {"nama": ("SITI RAHMAH", "SITI RAHMA")}
    # The fields nobody else touched still go through.
    assert decision.apply_fields == {"rt": "004"}


def test_any_other_field_changed_differently_on_both_sides_is_a_stored_conflict_too():
    decision = upsert(PERSON, {"alamat": "JL. AGUS SALIM"}, 5, held(changed={"alamat"}))
    assert (decision.outcome, decision.code) == (Outcome.CONFLICT, "concurrent_edit")
    assert decision.apply_fields == {}


def test_an_update_of_a_record_deleted_meanwhile_conflicts():
    record = held(deleted=True, deleted_since=True, changed={"deleted_at"})
    decision = upsert(PLAIN, {"alamat": "JL. AGUS SALIM"}, 5, record)
    assert (decision.outcome, decision.code) == (Outcome.CONFLICT, "delete_update")


def test_a_delete_of_a_record_updated_meanwhile_conflicts():
    decision = decide(PLAIN, op="delete", fields={}, base=5, held=held(changed={"alamat"}))
    assert (decision.outcome, decision.code, decision.delete) == (Outcome.CONFLICT, "delete_update", False)


def test_a_delete_of_the_current_version_applies():
    decision = decide(PLAIN, op="delete", fields={}, base=7, held=held())
    assert decision.outcome is Outcome.APPLIED and decision.delete


def test_a_device_that_saw_the_delete_may_bring_the_record_back():
    decision = upsert(PLAIN, {"alamat": "JL. AGUS SALIM"}, 7, held(deleted=True))
    assert (decision.outcome, decision.code) == (Outcome.APPLIED, "restored")


def test_an_append_only_record_is_never_edited():
    realisasi = {"nik": "7501014403870001", "nilai": 300000, "status": "berlaku"}
    decision = upsert(REALISASI, {"nilai": 600000}, 7, held(fields=realisasi))
    assert (decision.outcome, decision.code) == (Outcome.REFUSED, "append_only")
    assert (
        decide(REALISASI, op="delete", fields={}, base=7, held=held(fields=realisasi)).outcome
        is Outcome.REFUSED
    )


def test_an_append_only_record_may_still_be_superseded_or_cancelled():
    realisasi = {"nik": "7501014403870001", "nilai": 300000, "status": "berlaku"}
    decision = upsert(REALISASI, {"status": "digantikan"}, 7, held(fields=realisasi))
    assert decision.outcome is Outcome.APPLIED and decision.apply_fields == {"status": "digantikan"}


def test_a_final_sk_never_changes_even_from_the_current_version():
    final = {"nomor": "400/12/2026", "status": "final", "hash_isi": "ab"}
    decision = upsert(SK, {"nomor": "400/13/2026"}, 7, held(fields=final))
    assert (decision.outcome, decision.code) == (Outcome.CONFLICT, "final")


def test_two_finalisations_of_one_sk_conflict():
    final = {"nomor": "400/12/2026", "status": "final", "hash_isi": "ab", "final_by": "operator_a"}
    second = {"nomor": "400/12/2026", "status": "final", "hash_isi": "cd", "final_by": "operator_b"}
    decision = upsert(SK, second, 5, held(fields=final, changed={"status", "hash_isi", "final_by"}))
    assert (decision.outcome, decision.code) == (Outcome.CONFLICT, "final")
    assert decision.conflicting["final_by"] == ("operator_b", "operator_a")


def test_a_draft_sk_takes_its_finalisation():
    draft = {"nomor": "400/12/2026", "status": "draft"}
    decision = upsert(SK, {"status": "final", "hash_isi": "ab"}, 7, held(fields=draft))
    assert decision.outcome is Outcome.APPLIED and decision.apply_fields["status"] == "final"


def test_the_same_finalisation_arriving_twice_changes_nothing():
    final = {"nomor": "400/12/2026", "status": "final", "hash_isi": "ab"}
    decision = upsert(SK, {"status": "final", "hash_isi": "ab"}, 5, held(fields=final, changed={"status"}))
    assert (decision.outcome, decision.code) == (Outcome.APPLIED, "same_values")
