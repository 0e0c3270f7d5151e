"""Writes on cases, and the staff's audited reads, one module per part of the work, each action
named ``<entity>_<action>``:

- ``opening``: a case is opened for a report, and its handlers are alerted of changes;
- ``reading``: staff reads of a case's report, messages, attachments and audit trail (each read
  is audited);
- ``transitions``: running a declared transition (``cases.transitions``);
- ``correspondence``: messages to the reporter and internal notes between staff;
- ``assignment``: assigning, sharing, investigators and hand-over at staff turnover;
- ``labels``: the staff's labels on a case;
- ``overrides``: four eyes past a missing consent;
- ``advocacy``: a victims' rights advocate's rights concerns (issue 12);
- ``locking``: every writer locks the case's report first (``reports.locking``).

Import an action from its module; this package itself exports nothing.
"""
