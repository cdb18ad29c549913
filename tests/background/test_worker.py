"""Real `rq worker` processes (the Procfile's) against a real redis-server."""

import os
import signal
import subprocess
import time

import pytest
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.worker import DequeueStrategy

from shortener.background.worker import InProcessWorker
from tests.conftest import python_bin, subprocess_env
from tests.helpers import add_link, counts, database_hang, wait_until
from tests.support import procfile
from tests.support.procfile import worker_class as procfile_worker_class

pytestmark = pytest.mark.integration
WORKER_CLASSES = ["shortener.background.worker.Worker", "shortener.background.worker.InProcessWorker"]

PROCFILE_WORKER = procfile_worker_class()
KILLED_AFTER_CLAIM = "tests.background.crashing_workers.KilledAfterClaim"
assert PROCFILE_WORKER in WORKER_CLASSES


def rq_worker(app, *extra, burst=True, worker_class=PROCFILE_WORKER, queues=("clicks",), **env_extra):
    """Start the Procfile's worker command as a subprocess, in its own process group."""
    command = [python_bin("rq"), "worker", "--worker-class", worker_class,
               "--url", app.config["REDIS_URL"], *extra, *queues]
    if burst:
        command.insert(2, "--burst")
    env = subprocess_env(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
        CLICK_RETRY_INTERVALS="0,0,0,0,0", RQ_WORKER_TTL=30, **env_extra,
    )
    return subprocess.Popen(command, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process, timeout=60) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


@pytest.fixture
def job_app(make_app, redis_server, real_redis):
    return make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="job",
                    CLICK_RETRY_MAX=5, CLICK_RETRY_INTERVALS=[0, 0, 0, 0, 0])


@pytest.mark.parametrize("worker_class", WORKER_CLASSES)
def test_n_redirects_give_n_clicks(job_app, auth, worker_class):
    link_id = add_link(job_app, auth.create_user("bob"), "go")
    client = job_app.test_client()
    for _ in range(25):
        assert client.get("/bob/go").status_code == 302
    finish(rq_worker(job_app, worker_class=worker_class))
    assert counts(job_app, link_id) == (25, 25, 25)


def test_procfile_worker_serves_both_queues(job_app, auth, real_redis):
    link_id = add_link(job_app, auth.create_user("bob"), "go")
    job_app.test_client().get("/bob/go")
    Queue("email", connection=real_redis).enqueue("jobs.clicks.cleanup_click_buffer")
    finish(rq_worker(job_app, "--with-scheduler", queues=("clicks", "email")))
    assert counts(job_app, link_id) == (1, 1, 1)
    assert Queue("email", connection=real_redis).count == 0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and its children (RQ puts its work horse in a session of its own)."""
    for child in children(pid):
        kill_tree(child)
    os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("worker_class", WORKER_CLASSES)
def test_worker_killed_mid_job_loses_no_click_and_counts_it_once(job_app, auth, real_redis, worker_class):
    link_id = add_link(job_app, auth.create_user("bob"), "go")
    job_app.test_client().get("/bob/go")
    with database_hang(job_app.config["SQLALCHEMY_DATABASE_URI"], link_id):
        worker = rq_worker(job_app, burst=False, worker_class=worker_class)
        started = StartedJobRegistry("clicks", connection=real_redis)
        wait_until(lambda: started.count == 1)
        time.sleep(0.5)  # the job is now blocked inside its transaction
        kill_tree(worker.pid)  # the whole dyno dies, work horse included
        worker.communicate(timeout=10)
    assert counts(job_app, link_id)[0] == 0
    # What a live worker's maintenance does once the dead one's heartbeat has
    # expired (RQ_WORKER_TTL, about a minute): we step time forward instead of waiting.
    started.cleanup(timestamp=time.time() + 3600)
    finish(rq_worker(job_app))
    assert counts(job_app, link_id) == (1, 1, 1)


def test_sigterm_lets_the_running_click_job_finish_then_stops(job_app, auth, real_redis):
    """Heroku stops a dyno with SIGTERM (then SIGKILL 30 s later): finish, then exit."""
    link_id = add_link(job_app, auth.create_user("bob"), "go")
    job_app.test_client().get("/bob/go")
    with database_hang(job_app.config["SQLALCHEMY_DATABASE_URI"], link_id):
        worker = rq_worker(job_app, burst=False)
        started = StartedJobRegistry("clicks", connection=real_redis)
        wait_until(lambda: started.count == 1)
        os.kill(worker.pid, signal.SIGTERM)
        time.sleep(0.5)
        assert worker.poll() is None  # still finishing its job
    output = finish(worker, timeout=30)
    assert "warm shut down requested" in output
    assert counts(job_app, link_id) == (1, 1, 1)


PROCFILE_QUEUES = ("clicks", "email", "imports", "titles")  # the Procfile's `worker` line


def test_procfile_worker_killed_between_dequeue_and_start_loses_no_click(job_app, auth, real_redis):
    """rq#580: RQ's multi-queue BLPOP loses a job popped by a worker that dies before starting it.
    Ours moves it into the queue's intermediate list, which maintenance recovers."""
    link_id = add_link(job_app, auth.create_user("bob"), "go")
    job_app.test_client().get("/bob/go")
    clicks = Queue("clicks", connection=real_redis)
    (job_id,) = clicks.job_ids
    worker = rq_worker(job_app, "--with-scheduler", queues=PROCFILE_QUEUES, worker_class=KILLED_AFTER_CLAIM)
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == -signal.SIGKILL, output
    assert clicks.count == 0 and job_id not in StartedJobRegistry("clicks", connection=real_redis)
    assert clicks.intermediate_queue.get_job_ids() == [job_id]
    assert counts(job_app, link_id) == (0, 0, 0)
    # A live worker's maintenance fails a job it has seen in the intermediate list for over a
    # minute (two passes, RQ_MAINTENANCE_INTERVAL apart) and Retry requeues it: we date the
    # first sighting back instead of waiting.
    real_redis.set(clicks.intermediate_queue.get_first_seen_key(job_id), time.time() - 120)
    finish(rq_worker(job_app, "--with-scheduler", queues=PROCFILE_QUEUES))
    assert counts(job_app, link_id) == (1, 1, 1)
    assert clicks.intermediate_queue.get_job_ids() == []
    assert Job.fetch(job_id, connection=real_redis).get_status() == JobStatus.FINISHED


def test_multi_queue_dequeue_takes_queues_in_order_through_their_intermediate_lists(job_app, real_redis):
    email, clicks = Queue("email", connection=real_redis), Queue("clicks", connection=real_redis)
    mail_job = email.enqueue("jobs.clicks.cleanup_click_buffer")
    click_job = clicks.enqueue("jobs.clicks.cleanup_click_buffer")
    with job_app.app_context():
        worker = InProcessWorker(list(PROCFILE_QUEUES), connection=real_redis)
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    assert (job.id, queue.name) == (click_job.id, "clicks")  # first queue first, whatever came first
    assert clicks.intermediate_queue.get_job_ids() == [click_job.id]
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    assert (job.id, queue.name) == (mail_job.id, "email")
    assert email.intermediate_queue.get_job_ids() == [mail_job.id]
    assert worker.dequeue_job_and_maintain_ttl(None) is None


def test_round_robin_serves_mail_between_click_jobs_in_a_flood(job_app, real_redis):
    """The Procfile's worker takes its queues in turn: a click flood delays mail by one job."""
    assert "--dequeue-strategy round_robin" in procfile.read()["worker"]
    clicks, email = Queue("clicks", connection=real_redis), Queue("email", connection=real_redis)
    flood = [clicks.enqueue("jobs.clicks.cleanup_click_buffer") for _ in range(5)]
    mail_job = email.enqueue("jobs.clicks.cleanup_click_buffer")
    with job_app.app_context():
        worker = InProcessWorker(list(PROCFILE_QUEUES), connection=real_redis)
    worker._dequeue_strategy = DequeueStrategy.ROUND_ROBIN  # what `work(dequeue_strategy=...)` sets
    taken = []
    for _ in range(3):
        job, queue = worker.dequeue_job_and_maintain_ttl(None)
        taken.append(job.id)
    assert taken == [flood[0].id, mail_job.id, flood[1].id]


def test_waiting_procfile_worker_is_idle_serves_both_queues_and_stops_on_sigterm(job_app, auth, real_redis):
    link_id = add_link(job_app, auth.create_user("bob"), "go")
    worker = rq_worker(job_app, "--with-scheduler", burst=False, queues=PROCFILE_QUEUES)
    try:
        wait_until(lambda: [w.get_state() for w in Worker.all(connection=real_redis)] == ["idle"])
        job_app.test_client().get("/bob/go")  # the first queue: BLMOVE wakes the worker
        wait_until(lambda: counts(job_app, link_id) == (1, 1, 1))
        mail_job = Queue("email", connection=real_redis).enqueue("jobs.clicks.cleanup_click_buffer")
        wait_until(lambda: mail_job.get_status() == JobStatus.FINISHED)  # found while waiting too
        wait_until(lambda: [w.get_state() for w in Worker.all(connection=real_redis)] == ["idle"])
        info = subprocess.run([python_bin("rq"), "info", "--raw", "--only-workers", "--url",
                               job_app.config["REDIS_URL"]], capture_output=True, text=True, check=True)
        assert " idle clicks, email, imports, titles. jobs: 2 finished, 0 failed" in info.stdout
    finally:
        os.kill(worker.pid, signal.SIGTERM)
    output = finish(worker, timeout=30)
    assert "warm shut down requested" in output
    assert Queue("email", connection=real_redis).intermediate_queue.get_job_ids() == []
    assert Queue("clicks", connection=real_redis).intermediate_queue.get_job_ids() == []
