"""Example requests and answers for the admin endpoints of the OpenAPI document.

Shaped on the demo registry (`make run`; fictional subjects and staff): a Shenzhen enterprise
found to infringe twice, proposed, notified, reviewed and listed. Personal identifiers appear
masked, as the admin API returns them; secrets and tokens are made up. `api/openapi_examples.py`
adds these to its table; `tests/api/test_openapi_document.py` checks every admin operation has
them and that their fields are the ones the schemas document.
"""

from __future__ import annotations

from typing import Any

NAME = "深圳市禾信科技有限公司"
USCC = "91440300752223952D"
AUTHORITY = "深圳市市场监督管理局（知识产权局）"
PROVINCE = "广东省知识产权局"
MEASURES = [
    "restricted access to government procurement",
    "stricter review of credit applications",
]
SUBJECT = {
    "id": 1,
    "kind": "legal_person",
    "name": NAME,
    "name_latin": "Shenzhen Hexin Technology Co., Ltd.",
    "aliases": ["禾信科技"],
    "identifiers": [{"scheme": "cn_uscc", "name": "", "value": USCC}],
    "legal_representative": "王伟",
    "responsible_persons": ["王伟", "李娜"],
    "region": "440300",
    "address": "深圳市南山区科技园南区8栋",
    "case_ids": [1, 2],
}
SUBJECT_IN = {
    "kind": "legal_person",
    "name": NAME,
    "name_latin": "Shenzhen Hexin Technology Co., Ltd.",
    "aliases": ["禾信科技"],
    "identifiers": [{"scheme": "cn_uscc", "value": USCC}],
    "region": "440300",
    "address": "深圳市南山区科技园南区8栋",
}
CASE_IN = {
    "subject_id": 1,
    "kind": "administrative_ruling",
    "authority": AUTHORITY,
    "document_number": "深市监知裁字〔2025〕17号",
    "decided_on": "2025-03-14",
    "effective_on": "2025-04-02",
    "act_start": "2024-06-01",
    "act_end": "2024-11-30",
    "patents": ["ZL201910123456.X"],
    "infringement_found": True,
    "deliberate": False,
    "punitive_damages": False,
    "performance_deadline": "2025-05-02",
    "performance_status": "performed",
    "sectors": ["internet"],
    "conduct": "在电商平台销售落入专利权保护范围的充电器",
}
CASE = {"id": 2} | CASE_IN | {"revoked_on": None, "revocation_reason": None}
GROUND = {
    "code": "repeat_infringement",
    "explanation": "infringement found in two effective decisions (cases 1 and 2) within 5 years",
    "explanation_zh": "五年内两次被生效决定认定侵犯专利权（案件1、案件2）",
    "name_zh": "重复专利侵权行为",
}
REQUEST = {
    "id": 3,
    "listing_id": 1,
    "kind": "defence",
    "lodged_on": "2026-11-20",
    "decision_due": "2026-12-07",
    "text": "The second ruling is under administrative reconsideration.",
    "decision": None,
    "decided_on": None,
    "decision_reason": None,
    "deadline_status": "near",
    "publish_due": None,
    "published_revision": None,
    "details": {"evidence": "reconsideration application receipt no. 2026-311"},
    "conditions": [],
    "recorded_by": 2,
}
LISTING = {
    "id": 1,
    "entry_id": None,
    "subject_id": 1,
    "subject_name": NAME,
    "state": "under_review",
    "grounds": [GROUND],
    "case_ids": [1, 2],
    "sectors": ["internet"],
    "measures": MEASURES,
    "remedy": "Perform the rulings' obligations, then apply to the listing authority.",
    "decision_authority": PROVINCE,
    "decision_document_number": None,
    "proposed_by": 2,
    "proposed_on": "2026-11-02",
    "notice_served_on": "2026-11-05",
    "defence_deadline": "2026-11-20",
    "reviewed_by": None,
    "approved_on": None,
    "listed_on": None,
    "period_end": None,
    "ended_on": None,
    "end_reason": None,
    "revision": 0,
    "review_flag": None,
    "requests": [REQUEST],
    "deadlines": [
        {"name": "decide defence #3", "due": "2026-12-07", "status": "near", "provisional": False},
    ],
}
APPROVED = LISTING | {
    "state": "approved",
    "decision_document_number": "粤知信惩〔2026〕9号",
    "reviewed_by": 3,
    "approved_on": "2026-12-01",
    "requests": [],
    "deadlines": [
        {"name": "publish by", "due": "2026-12-10", "status": "ok", "provisional": False}
    ],
}
PUBLISHED = APPROVED | {
    "entry_id": "IPL-2026-000016",
    "state": "published",
    "listed_on": "2026-12-02",
    "period_end": "2029-12-02",
    "revision": 1,
    "deadlines": [
        {"name": "listing period ends", "due": "2029-12-02", "status": "ok", "provisional": True}
    ],
}
USER = {
    "id": 4,
    "username": "zhang.min",
    "display_name": "张敏",
    "role": "clerk",
    "active": True,
    "totp_enabled": True,
    "locked_until": None,
    "must_change_password": True,
}
ACCOUNT_REQUEST = {
    "id": 2,
    "kind": "create",
    "user_id": None,
    "username": "chen.jie",
    "role": "reviewer",
    "requested_by": "admin",
    "requested_at": "2026-12-06T09:12:40+00:00",
    "decided_by": None,
    "decided_at": None,
    "outcome": None,
}
API_KEY = {
    "id": 3,
    "name": "Bank of Example procurement screening",
    "prefix": "4f2a9c1e7b3d",
    "scopes": ["screen", "watch"],
    "rate_limit": "600/minute",
    "created_at": "2026-12-06T10:02:11+00:00",
    "created_by": "admin",
    "revoked_at": None,
    "last_used_at": "2026-12-06T11:40:57+00:00",
}
PERSON = {
    "id": 5,
    "subject_id": 1,
    "role": "legal_representative",
    "name": "王伟",
    "scheme": "cn_ric",
    "scheme_name": "",
    "value": "4403**********2316",
}
ADMIN = "/api/v1/admin"

# (method, OpenAPI path) -> {"request": body, "response": body} or, for an operation with several
# success answers, {"request": body, "answers": {code: body}} (api/openapi_examples.py)
ADMIN_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", f"{ADMIN}/session"): {
        "response": {
            "id": 2,
            "username": "li.na",
            "role": "clerk",
            "csrf_token": "IjQ5ZDFkYjM3NDc2ZWQ0ZTdkYjZiMzA1NmE2NWM1ZTk2Ig.Z1Mx2A.f3q…",
        }
    },
    ("get", f"{ADMIN}/subjects"): {"response": [SUBJECT]},
    ("post", f"{ADMIN}/subjects"): {
        "request": SUBJECT_IN,
        "response": SUBJECT
        | {"legal_representative": None, "responsible_persons": [], "case_ids": []},
    },
    ("get", f"{ADMIN}/subjects/{{subject_id}}"): {"response": SUBJECT},
    ("get", f"{ADMIN}/subjects/{{subject_id}}/evaluation"): {
        "response": {
            "subject_id": 1,
            "on": "2026-12-06",
            "grounds": [
                {
                    "code": "repeat_infringement",
                    "holds": True,
                    "explanation": GROUND["explanation"],
                    "explanation_zh": GROUND["explanation_zh"],
                    "case_ids": [1, 2],
                    "dates": [
                        {"case_id": 1, "field": "effective_on", "on": "2023-08-21"},
                        {"case_id": 2, "field": "effective_on", "on": "2025-04-02"},
                    ],
                }
            ],
            "set_aside": [],
        }
    },
    ("get", f"{ADMIN}/cases"): {"response": [CASE]},
    ("post", f"{ADMIN}/cases"): {"request": CASE_IN, "response": CASE},
    ("get", f"{ADMIN}/cases/{{case_id}}"): {"response": CASE},
    ("post", f"{ADMIN}/cases/{{case_id}}/revoke"): {
        "request": {
            "revoked_on": "2026-12-03",
            "reason": "overturned on administrative reconsideration",
            "evidence": "粤府复决〔2026〕88号",
        },
        "response": {"flagged_listing_ids": [1]},
    },
    ("post", f"{ADMIN}/subjects/{{subject_id}}/correct"): {
        "request": {"name": NAME, "reason": "the business licence spells the trade name 禾信"},
        "response": {"revised_listing_ids": [1]},
    },
    ("post", f"{ADMIN}/cases/{{case_id}}/correct"): {
        "request": {
            "reason": "the ruling became effective on service, not on signature",
            "effective_on": "2025-04-02",
            "performance_status": "performed",
        },
        "response": {"revised_listing_ids": [1]},
    },
    ("post", f"{ADMIN}/patent-invalidations"): {
        "request": {
            "patent_number": "ZL201910123456.X",
            "decision_number": "第58213号",
            "decided_on": "2026-10-30",
            "scope": "whole",
        },
        "response": {"flagged_listing_ids": [1]},
    },
    ("get", f"{ADMIN}/subjects/{{subject_id}}/persons"): {"response": [PERSON]},
    ("post", f"{ADMIN}/subjects/{{subject_id}}/persons"): {
        "request": {
            "role": "legal_representative",
            "name": "王伟",
            "scheme": "cn_ric",
            "value": "440305198803122316",
        },
        "response": PERSON,
    },
    ("get", f"{ADMIN}/listings"): {"response": [LISTING]},
    ("post", f"{ADMIN}/listings"): {
        "request": {
            "subject_id": 1,
            "grounds": ["repeat_infringement"],
            "case_ids": [1, 2],
            "sectors": ["internet"],
            "measures": MEASURES,
            "on": "2026-11-02",
        },
        "response": LISTING
        | {
            "state": "draft",
            "notice_served_on": None,
            "defence_deadline": None,
            "requests": [],
            "deadlines": [],
        },
    },
    ("get", f"{ADMIN}/listings/{{listing_id}}"): {"response": LISTING},
    ("post", f"{ADMIN}/listings/{{listing_id}}/notify"): {
        "request": {"served_on": "2026-11-05", "evidence": "EMS receipt 1190 2233 4455"},
        "response": LISTING
        | {
            "state": "notified",
            "requests": [],
            "deadlines": [
                {
                    "name": "defence period ends",
                    "due": "2026-11-20",
                    "status": "ok",
                    "provisional": False,
                }
            ],
        },
    },
    ("post", f"{ADMIN}/listings/{{listing_id}}/requests"): {
        "request": {
            "kind": "defence",
            "lodged_on": "2026-11-20",
            "text": REQUEST["text"],
            "evidence": "reconsideration application receipt no. 2026-311",
        },
        "response": REQUEST,
    },
    ("post", f"{ADMIN}/listings/{{listing_id}}/start-review"): {
        "request": {"on": "2026-11-23"},
        "response": LISTING,
    },
    ("post", f"{ADMIN}/listings/{{listing_id}}/approve"): {
        "request": {
            "reason": "both rulings are effective and were not performed on time",
            "on": "2026-12-01",
            "document_number": "粤知信惩〔2026〕9号",
        },
        "response": APPROVED,
    },
    ("post", f"{ADMIN}/listings/{{listing_id}}/reject"): {
        "request": {"reason": "the first ruling was performed before the second act began"},
        "response": LISTING | {"state": "rejected", "reviewed_by": 3, "deadlines": []},
    },
    ("post", f"{ADMIN}/listings/{{listing_id}}/withdraw"): {
        "request": {"reason": "the notice went to a superseded address; proposal to be redone"},
        "response": LISTING | {"state": "withdrawn", "requests": [], "deadlines": []},
    },
    ("post", f"{ADMIN}/listings/{{listing_id}}/remove"): {
        "request": {
            "reason": "credit restoration granted after the obligations were performed",
            "reason_code": "credit_restored",
            "on": "2026-12-06",
        },
        "response": PUBLISHED
        | {
            "requests": [
                REQUEST
                | {
                    "id": 4,
                    "kind": "removal",
                    "lodged_on": "2026-12-06",
                    "decision_due": None,
                    "text": "credit_restored: credit restoration granted after the obligations "
                    "were performed",
                    "deadline_status": None,
                    "details": {},
                    "recorded_by": 3,
                }
            ]
        },
    },
    ("post", f"{ADMIN}/listings/{{listing_id}}/amend"): {
        "request": {
            "reason": "the measures follow the 2026 joint punishment memorandum",
            "measures": MEASURES,
            "sectors": ["internet"],
        },
        "response": PUBLISHED | {"revision": 2},
    },
    ("post", f"{ADMIN}/requests/{{request_id}}/decision"): {
        "request": {
            "accepted": False,
            "reason": "reconsideration does not suspend an effective ruling",
            "on": "2026-11-30",
        },
        "response": REQUEST
        | {
            "decision": "refused",
            "decided_on": "2026-11-30",
            "decision_reason": "reconsideration does not suspend an effective ruling",
            "deadline_status": None,
        },
    },
    ("get", f"{ADMIN}/queue"): {
        "response": {
            "on": "2026-12-06",
            "under_review": [LISTING],
            "flagged": [],
            "open_requests": [REQUEST],
            "pending_removals": [],
        }
    },
    ("get", f"{ADMIN}/users"): {"response": [USER]},
    ("post", f"{ADMIN}/users"): {
        "request": {
            "username": "zhang.min",
            "role": "clerk",
            "password": "correct-horse-battery-42",
            "display_name": "张敏",
        },
        "answers": {
            "201": USER | {"totp_enabled": False},
            "202": ACCOUNT_REQUEST,
        },
    },
    ("get", f"{ADMIN}/users/requests"): {"response": [ACCOUNT_REQUEST]},
    ("post", f"{ADMIN}/users/requests/{{request_id}}/confirm"): {
        "response": ACCOUNT_REQUEST
        | {
            "user_id": 6,
            "decided_by": "admin2",
            "decided_at": "2026-12-06T09:30:02+00:00",
            "outcome": "confirmed",
        }
    },
    ("post", f"{ADMIN}/users/requests/{{request_id}}/refuse"): {
        "response": ACCOUNT_REQUEST
        | {
            "decided_by": "admin2",
            "decided_at": "2026-12-06T09:31:15+00:00",
            "outcome": "refused",
        }
    },
    ("post", f"{ADMIN}/users/{{user_id}}/role"): {
        "request": {"role": "auditor"},
        "answers": {
            "200": USER | {"role": "auditor", "must_change_password": False},
            "202": ACCOUNT_REQUEST
            | {"id": 3, "kind": "role", "user_id": 4, "username": "zhang.min"},
        },
    },
    ("post", f"{ADMIN}/users/{{user_id}}/deactivate"): {
        "response": USER | {"active": False, "must_change_password": False}
    },
    ("post", f"{ADMIN}/users/{{user_id}}/reset-password"): {
        "response": {"username": "zhang.min", "temporary_password": "tmp-7Hq2-Kp9x-Wd4m"}
    },
    ("get", f"{ADMIN}/audit"): {
        "response": [
            {
                "seq": 118,
                "recorded_at": "2026-12-01T03:14:09+00:00",
                "actor": "zhao.qiang",
                "action": "listing.approve",
                "object_type": "listing",
                "object_id": "1",
                "before": {"state": "under_review"},
                "after": {"state": "approved"},
                "reason": "both rulings are effective and were not performed on time",
                "prev_hash": "5c1f0e7a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",
                "record_hash": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
            }
        ]
    },
    ("get", f"{ADMIN}/audit/verify"): {
        "response": {"checked": 118, "intact": True, "first_bad_seq": None, "problem": ""}
    },
    ("get", f"{ADMIN}/publication"): {
        "response": {
            "approved_waiting": 1,
            "oldest_approved_on": "2026-12-01",
            "oldest_waiting_days": 5,
            "feed_version": 45,
            "feed_issued_at": "2026-12-06T11:00:02Z",
            "feed_expires": "2026-12-07T11:00:02Z",
            "tree_size": 45,
            "feed_fresh": True,
            "feed_detail": "feed version 45 valid until 2026-12-07T11:00:02Z",
            "last_run": {
                "failures": 0,
                "last_error": None,
                "last_success": "2026-12-06T11:00:02+00:00",
                "last_version": 45,
                "next_retry": None,
            },
        }
    },
    ("get", f"{ADMIN}/api-keys"): {"response": [API_KEY]},
    ("post", f"{ADMIN}/api-keys"): {
        "request": {
            "name": API_KEY["name"],
            "scopes": ["screen", "watch"],
            "rate_limit": "600/minute",
        },
        "response": API_KEY
        | {
            "last_used_at": None,
            "key": "ipl_4f2a9c1e7b3d_Vq8sT1xk0ZbN3cRj6yWm2LpA9eHd5UfG",
        },
    },
    ("post", f"{ADMIN}/api-keys/{{key_id}}/revoke"): {
        "request": {"reason": "the bank replaced its screening system"},
        "response": API_KEY | {"revoked_at": "2026-12-06T12:10:44+00:00"},
    },
}
