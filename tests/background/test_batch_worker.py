"""batch_worker: click jobs claimed, started and finished in batches, each still an RQ job.

Real redis-server; real `rq worker` processes for the kills."""

import logging
import signal
import time

import pytest
import redis
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry
from rq.worker import DequeueStrategy

from shortener.background.worker import InProcessWorker
from shortener.clicks.tracking import enqueue_click
from tests.background.test_worker import KILLED_AFTER_CLAIM, PROCFILE_QUEUES, finish, kill_tree, rq_worker
from tests.helpers import add_link, counts, database_fault, database_hang, make_event, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def batch_app(make_app, redis_server, real_redis):
    def build(**overrides):
        config = dict(REDIS_URL=redis_server.url, CLICK_TRACKING="job", CLICK_RETRY_MAX=5,
                      CLICK_RETRY_INTERVALS=[0, 0, 0, 0, 0], CLICK_JOB_BATCH=10)
        return make_app(**{**config, **overrides})
    return build


def redirect(app, auth, times: int) -> tuple[int, list[str]]:
    """``times`` redirects of a new link; its id and the click jobs they queued."""
    link_id = add_link(app, auth.create_user("bob"), "go")
    client = app.test_client()
    for _ in range(times):
        assert client.get("/bob/go").status_code == 302
    return link_id, Queue("clicks", connection=redis.Redis.from_url(app.config["REDIS_URL"])).job_ids


def burst(app, redis) -> Worker:
    with app.app_context():
        worker = InProcessWorker(["clicks"], connection=redis)
        worker.work(burst=True)
    return worker


@pytest.mark.parametrize("batch_size", [1, 10])
def test_batched_jobs_end_as_jobs_run_one_by_one(batch_app, auth, real_redis, caplog, batch_size):
    caplog.set_level(logging.INFO)
    app = batch_app(CLICK_JOB_BATCH=batch_size)
    link_id, job_ids = redirect(app, auth, 7)
    worker = burst(app, real_redis)
    assert counts(app, link_id) == (7, 7, 7)
    assert ("7 jobs OK" in caplog.text) == (batch_size > 1)
    finished = FinishedJobRegistry("clicks", connection=real_redis)
    for job_id in job_ids:
        job = Job.fetch(job_id, connection=real_redis)
        assert job.get_status() == JobStatus.FINISHED and job.worker_name == worker.name
        assert job.latest_result().return_value == 1  # as record_click returns
        assert job_id in finished and 0 < real_redis.ttl(job.key) <= 5  # the queue's result TTL
    assert StartedJobRegistry("clicks", connection=real_redis).count == 0
    assert Queue("clicks", connection=real_redis).intermediate_queue.get_job_ids() == []
    assert real_redis.scard(worker.executions_key) == 0
    assert int(real_redis.hget(worker.key, "successful_job_count")) == 7  # `rq info`'s "finished"


@pytest.mark.parametrize("retries", [0, 1])
def test_a_batch_whose_transaction_fails_runs_each_job_alone(batch_app, auth, real_redis, caplog, retries):
    app = batch_app(CLICK_RETRY_MAX=retries, CLICK_RETRY_INTERVALS=[0] * retries)
    link_id, job_ids = redirect(app, auth, 5)
    with database_fault(app, "INSERT INTO clicks", times=2) as fault:  # the batch, then job 1 alone
        burst(app, real_redis)
    assert fault.hits == 2
    assert "a batch of 5 jobs failed, running each alone" in caplog.text
    assert caplog.text.count(f"job {job_ids[0]}: exception raised") == 1  # its own line
    first = Job.fetch(job_ids[0], connection=real_redis)
    failed = FailedJobRegistry("clicks", connection=real_redis)
    if retries:  # retried on its own, then stored
        assert counts(app, link_id) == (5, 5, 5)
        assert first.retries_left == 0 and first.get_status() == JobStatus.FINISHED
        assert failed.count == 0
    else:  # failed for good, on its own
        assert counts(app, link_id) == (4, 4, 4)
        assert failed.get_job_ids() == [job_ids[0]]
        assert "OperationalError" in first.latest_result().exc_string
    for job_id in job_ids[1:]:
        job = Job.fetch(job_id, connection=real_redis)
        assert job.get_status() == JobStatus.FINISHED and (job.retries_left or 0) == retries


def test_clicks_stored_already_count_once_in_a_batch(batch_app, auth, real_redis):
    app = batch_app()
    link_id, job_ids = redirect(app, auth, 3)
    burst(app, real_redis)
    clicks = Queue("clicks", connection=real_redis)
    for job_id in job_ids[:2]:  # as a retry of a job whose worker died after the commit
        clicks.enqueue_job(Job.fetch(job_id, connection=real_redis))
    with app.app_context():
        enqueue_click(make_event(link_id), web=False)
    burst(app, real_redis)  # one batch of three: two stored already
    assert counts(app, link_id) == (4, 4, 4)
    assert [Job.fetch(job_id, connection=real_redis).latest_result().return_value
            for job_id in job_ids] == [0, 0, 1]


def test_claim_takes_the_leading_click_jobs_and_other_jobs_alone(batch_app, auth, real_redis):
    app = batch_app(CLICK_JOB_BATCH=3)
    link_id = add_link(app, auth.create_user("bob"), "go")
    clicks = Queue("clicks", connection=real_redis)
    with app.app_context():
        for _ in range(4):
            enqueue_click(make_event(link_id), web=False)
        other = clicks.enqueue("jobs.clicks.cleanup_click_buffer")
        enqueue_click(make_event(link_id), web=False)
        worker = InProcessWorker(list(PROCFILE_QUEUES), connection=real_redis)
    ids = clicks.job_ids
    claims = []
    for _ in range(4):
        job, queue = worker.dequeue_job_and_maintain_ttl(None)
        claims.append(clicks.intermediate_queue.get_job_ids())
    assert claims == [ids[:3], ids[:4], [*ids[:4], other.id], ids]
    assert worker.dequeue_job_and_maintain_ttl(None) is None


def test_round_robin_serves_mail_between_click_batches(batch_app, auth, real_redis):
    app = batch_app(CLICK_JOB_BATCH=10)
    link_id = add_link(app, auth.create_user("bob"), "go")
    clicks, email = Queue("clicks", connection=real_redis), Queue("email", connection=real_redis)
    with app.app_context():
        for _ in range(25):
            enqueue_click(make_event(link_id), web=False)
        mail_job = email.enqueue("jobs.clicks.cleanup_click_buffer")
        worker = InProcessWorker(list(PROCFILE_QUEUES), connection=real_redis)
        worker.work(burst=True, dequeue_strategy=DequeueStrategy.ROUND_ROBIN, max_jobs=2)
    assert counts(app, link_id) == (10, 10, 10)  # one batch, then the mail
    assert mail_job.get_status() == JobStatus.FINISHED and clicks.count == 15


def test_batch_worker_killed_between_claim_and_start_loses_no_click(batch_app, auth, real_redis):
    """rq#580 for a batch: the claimed ids wait in the intermediate list, which maintenance recovers."""
    app = batch_app()
    link_id, job_ids = redirect(app, auth, 25)
    clicks = Queue("clicks", connection=real_redis)
    worker = rq_worker(app, "--with-scheduler", queues=PROCFILE_QUEUES, CLICK_JOB_BATCH=10,
                       worker_class=KILLED_AFTER_CLAIM)
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == -signal.SIGKILL, output
    assert clicks.intermediate_queue.get_job_ids() == job_ids[:10] and clicks.count == 15
    assert StartedJobRegistry("clicks", connection=real_redis).count == 0
    assert counts(app, link_id) == (0, 0, 0)
    for job_id in job_ids[:10]:  # seen over a minute ago by a live worker's maintenance
        real_redis.set(clicks.intermediate_queue.get_first_seen_key(job_id), time.time() - 120)
    finish(rq_worker(app, "--with-scheduler", queues=PROCFILE_QUEUES, CLICK_JOB_BATCH=10))
    assert counts(app, link_id) == (25, 25, 25)
    assert clicks.intermediate_queue.get_job_ids() == []
    assert all(job.get_status() == JobStatus.FINISHED for job in Job.fetch_many(job_ids, real_redis))


def test_batch_worker_killed_three_times_mid_batch_stores_every_click_once(batch_app, auth, real_redis):
    app = batch_app()
    link_id, job_ids = redirect(app, auth, 60)
    started = StartedJobRegistry("clicks", connection=real_redis)
    for kill in (1, 2):  # after the batch's commit, before its jobs are marked finished
        worker = rq_worker(app, burst=False, CLICK_JOB_BATCH=10,
                           worker_class="tests.background.crashing_workers.KilledAfterBatchStored")
        output, _ = worker.communicate(timeout=60)
        assert worker.returncode == -signal.SIGKILL, output
        assert counts(app, link_id)[0] == 10 * kill and started.count == 10 * kill
    with database_hang(app.config["SQLALCHEMY_DATABASE_URI"], link_id):
        worker = rq_worker(app, burst=False, CLICK_JOB_BATCH=10)  # killed inside the transaction
        wait_until(lambda: started.count == 30)
        time.sleep(0.5)
        kill_tree(worker.pid)
        worker.communicate(timeout=10)
    assert counts(app, link_id)[0] == 20
    # Maintenance of a live worker, once the dead ones' executions expired: we step time instead.
    started.cleanup(timestamp=time.time() + 3600)
    finish(rq_worker(app, CLICK_JOB_BATCH=10))
    assert counts(app, link_id) == (60, 60, 60)
    assert FailedJobRegistry("clicks", connection=real_redis).count == 0 and started.count == 0
    assert all(job.get_status() == JobStatus.FINISHED for job in Job.fetch_many(job_ids, real_redis))
