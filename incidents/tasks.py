"""Periodic incident tasks: thin wrappers around the automation services, safe to run twice."""

from celery import shared_task

from incidents import services

TASK_OPTIONS = {"acks_late": True, "max_retries": 3, "default_retry_delay": 30}


@shared_task(name="incidents.auto_resume", **TASK_OPTIONS)
def auto_resume() -> int:
    """Resume suspended incidents whose expected resume time has come."""
    return services.incidents_auto_resume()


@shared_task(name="incidents.resume_reminders", **TASK_OPTIONS)
def resume_reminders() -> int:
    """Remind owners shortly before an incident resumes by itself."""
    return services.incidents_resume_reminders()


@shared_task(name="incidents.auto_close", **TASK_OPTIONS)
def auto_close() -> int:
    """Close resolved incidents left unanswered for the auto-close period."""
    return services.incidents_auto_close()


@shared_task(name="incidents.unaccepted_to_lead", **TASK_OPTIONS)
def unaccepted_to_lead() -> int:
    """Tell the lead about incidents their section has not accepted in time."""
    return services.incidents_unaccepted_to_lead()


@shared_task(name="incidents.remove_orphan_attachments", **TASK_OPTIONS)
def remove_orphan_attachments() -> int:
    """Delete attachment files left behind by rolled-back uploads (daily)."""
    return services.attachment_orphans_remove()
