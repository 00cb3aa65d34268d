"""The statements a member's circle page runs on every view (models/statements.py marks).

Written by hand because they run on every page a circle member opens; each reads only
through the caller's membership or circles already read that way.
"""

from __future__ import annotations

# The caller's memberships with their circles: MINE for all of them (in joining order), ONE
# for one.
CIRCLES = (
    "SELECT m.id AS member_id, m.role, c.id, c.neighborhood, c.status, c.focus_sealed,"
    " c.rhythm_sealed, c.formed_on FROM cip_circle_member m"
    " JOIN cip_circle c ON c.id = m.circle_id WHERE m.member = {p0}"
)
MINE = CIRCLES + " ORDER BY m.joined_on, m.id"
ONE = CIRCLES + " AND m.circle_id = {p1}"

MEMBERS = (
    "SELECT id, circle_id, member, role, name_sealed FROM cip_circle_member"
    " WHERE circle_id IN ({ids}) ORDER BY joined_on, id"
)

# Expired updates are deleted, not hidden, whenever a read touches their circle. A read looks
# first (no lock) and deletes only when there is something to delete: a DELETE takes the
# database's write lock even when it matches nothing, and on SQLite every page view of every
# worker then queued for that lock.
EXPIRED_UPDATES = (
    "SELECT DISTINCT circle_id FROM cip_circle_update"
    " WHERE circle_id IN ({ids}) AND expires_on <= {p0}"
)
PURGE_UPDATES = "DELETE FROM cip_circle_update WHERE circle_id IN ({ids}) AND expires_on <= {p0}"

# The newest updates of each circle, at most {p0} each: the rows a page shows, never every
# live update of a busy circle.
NEWEST_UPDATES = (
    "SELECT id, circle_id, author_id, body_sealed, posted_on, expires_on FROM ("
    " SELECT id, circle_id, author_id, body_sealed, posted_on, expires_on, ROW_NUMBER() OVER"
    " (PARTITION BY circle_id ORDER BY posted_on DESC, id DESC) AS place"
    " FROM cip_circle_update WHERE circle_id IN ({ids})"
    ") AS ranked WHERE place <= {p0} ORDER BY circle_id, place"
)

# Rota slots between two days (from {p0}; ROTA_UNTIL: to {p1} as well), in day order. Slots
# older than the update lifetime are deleted when a read touches their circle, looked for
# first as expired updates are.
ROTA = (
    'SELECT id, circle_id, "on", task_sealed, holder_id FROM cip_rota_slot'
    ' WHERE circle_id IN ({ids}) AND "on" >= {p0}'
)
ROTA_FROM = ROTA + ' ORDER BY "on", id'
ROTA_UNTIL = ROTA + ' AND "on" <= {p1} ORDER BY "on", id'
PAST_SLOTS = (
    'SELECT DISTINCT circle_id FROM cip_rota_slot WHERE circle_id IN ({ids}) AND "on" < {p0}'
)
PURGE_SLOTS = 'DELETE FROM cip_rota_slot WHERE circle_id IN ({ids}) AND "on" < {p0}'
