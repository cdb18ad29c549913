"""The click pipeline: from the redirect (``tracking``) through Redis (``buffer``)
or the local ``spool`` to idempotent ``storage``, and the ``stats`` read back."""
