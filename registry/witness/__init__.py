"""A transparency-log witness (c2sp.org/tlog-witness): checks a log only grows, then cosigns.

It runs apart from the registry, for an independent party, with its own key and its own SQLite
database: `submission` parses and checks an `add-checkpoint` request, `state` keeps the latest
cosigned checkpoint of each log atomically, `service` ties them to the witness key.
"""
