"""A customer an import creates carries the job's stamp (Customer.import_job) instead of an
ImportRecord; undo, the timeline and a merge read the stamp, and jobs from before the stamp
(an ImportRecord with created=True) still undo."""

from crm.models import Customer, ImportRecord
from crm.services.customers import customer_create
from crm.services.merge import customer_merge
from crm.timeline.page import customer_timeline
from tests.crm.imports import run_import, undo


def import_entries(tenant, customer):
    timeline = customer_timeline(tenant=tenant, customer=customer, kinds=frozenset({"import"}))
    return [(e.id.split(":")[0], e.summary) for e in timeline.entries]


def test_created_customers_are_stamped_and_get_no_record(tenant_a, manager_a):
    job = run_import(tenant_a, manager_a, "first_name,email\nAnn,ann@x.example\nBob,\n")
    assert job.created == 2
    made = Customer.objects.filter(tenant=tenant_a)
    assert sorted(made.values_list("import_job_id", flat=True)) == [job.pk, job.pk]
    assert not ImportRecord.objects.filter(job=job).exists()
    again = run_import(
        tenant_a, manager_a, "email,company\nann@x.example,Acme\n", on_duplicate="update"
    )
    ann = made.get(first_name="Ann")
    assert ann.import_job_id == job.pk  # an update does not restamp
    assert ImportRecord.objects.get(job=again).customer == ann
    assert import_entries(tenant_a, ann) == [
        ("import", f"Updated by import #{again.pk}: Company"),
        ("import_created", f"Imported from customers.csv (import #{job.pk})"),
    ]


def test_undo_deletes_the_stamped_customers_only(tenant_a, manager_a):
    kept = customer_create(tenant=tenant_a, by=manager_a, data={"first_name": "Old"})
    job = run_import(tenant_a, manager_a, "first_name\nAnn\nBob\n")
    other = run_import(tenant_a, manager_a, "first_name\nCat\n")
    undo(job, manager_a)
    names = set(Customer.objects.filter(tenant=tenant_a).values_list("first_name", flat=True))
    assert names == {"Old", "Cat"}
    assert Customer.objects.get(pk=kept.pk).import_job_id is None
    assert Customer.objects.get(first_name="Cat").import_job_id == other.pk


def test_a_job_from_before_the_stamp_still_undoes_by_its_records(tenant_a, manager_a):
    job = run_import(tenant_a, manager_a, "first_name\nAnn\n")
    ann = Customer.objects.get(tenant=tenant_a)
    # As such a job left things: no stamp, an ImportRecord with created=True.
    Customer.objects.filter(pk=ann.pk).update(import_job=None)
    ImportRecord.objects.create(
        tenant=tenant_a, job=job, row=2, customer=ann, created=True, before={}, changed=[]
    )
    undo(job, manager_a)
    assert not Customer.objects.filter(tenant=tenant_a).exists()


def test_a_merged_duplicate_leaves_its_import_in_the_kept_timeline(tenant_a, manager_a):
    keep = customer_create(tenant=tenant_a, by=manager_a, data={"first_name": "Bo"})
    job = run_import(tenant_a, manager_a, "first_name,email\nBo,bo@x.example\n")
    dup = Customer.objects.get(tenant=tenant_a, import_job=job)
    customer_merge(tenant=tenant_a, by=manager_a, keep=keep, duplicates=[dup], values={})
    record = ImportRecord.objects.get(job=job)
    assert (record.customer_id, record.created, record.before) == (keep.pk, False, {})
    undo(job, manager_a)  # the kept customer is not the import's to delete
    assert Customer.objects.filter(pk=keep.pk).exists()
