"""The street's 督办 of an overdue step: read it, set a new deadline, record a 约谈,
hand the step back. Resolving it is completing the task (``POST /tasks/{id}/complete``)."""

from __future__ import annotations

from dataclasses import asdict

from service.api.common import actor, api_blueprint, case_service, errors, now, reading
from service.api.schemas.supervision import (
    DeadlineSchema,
    HandBackSchema,
    SummonsSchema,
    SupervisionSchema,
)
from service.tasks import street_powers

bp = api_blueprint(
    "api_supervision",
    "街道督办：超期步骤的重新限期、约谈、交回办理；办结督办即办理该任务（/tasks/{id}/complete）",
)


@bp.route("/tasks/<id:task_id>/supervision", methods=["GET"])
@errors(bp, 404)
@bp.response(200, SupervisionSchema)
def supervision(task_id: int):
    """督办任务：被督办的超期步骤及督办记录"""
    with reading() as session:
        return asdict(street_powers.supervision_view(session, actor(), task_id, now()))


@bp.route("/tasks/<id:task_id>/supervision/deadline", methods=["POST"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(DeadlineSchema)
@bp.response(200, SupervisionSchema)
def set_deadline(body: dict, task_id: int):
    """重新限期：为超期步骤设定新的办理期限并通知责任方"""
    view = street_powers.set_deadline(
        case_service(), actor(), task_id, body["due_on"], body["reason"]
    )
    return asdict(view)


@bp.route("/tasks/<id:task_id>/supervision/summons", methods=["POST"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(SummonsSchema)
@bp.response(200, SupervisionSchema)
def summons(body: dict, task_id: int):
    """记录约谈：日期、参加人员、纪要"""
    view = street_powers.record_summons(
        case_service(), actor(), task_id, body["held_on"], body["attendees"], body["minutes"]
    )
    return asdict(view)


@bp.route("/tasks/<id:task_id>/supervision/hand-back", methods=["POST"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(HandBackSchema)
@bp.response(200, SupervisionSchema)
def hand_back(body: dict, task_id: int):
    """交回办理：将超期步骤交回责任方并附督办意见，责任方收到通知"""
    return asdict(street_powers.hand_back(case_service(), actor(), task_id, body["instructions"]))
