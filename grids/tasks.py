"""Celery tasks of grids: the cutting page's plan and publish (grids.cutting_jobs), idempotent."""
from __future__ import annotations

from celery import shared_task

from .cutting_jobs import plan_cut_job, publish_cut_job


@shared_task(acks_late=True)
def plan_cut(job_id: int) -> str:
    return plan_cut_job(job_id).status


@shared_task(acks_late=True)
def publish_cut(job_id: int) -> str:
    return publish_cut_job(job_id).status
