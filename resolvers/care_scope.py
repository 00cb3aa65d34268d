"""What CIP is, and plainly what it is not."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CareScopeFacts:
    is_not: tuple[str, ...]
    can_hold: tuple[str, ...]
    cannot_hold: tuple[str, ...]


CARE_SCOPE = CareScopeFacts(
    is_not=(
        "CIP is not therapy.",
        "CIP is not crisis intervention: in danger, call your local emergency number.",
        "CIP is not clinical care and gives no medical, psychological or legal advice.",
        "CIP is not a replacement for professional support; it points to real resources.",
        "CIP is not a case file: it keeps no history of a person, no score and no ledger.",
    ),
    can_hold=(
        "Support circles: two to eight neighbours holding one person or situation over time.",
        "Care holds: a coordinator's private awareness that someone needs support.",
        "Quiet asks for support, seen only by the asker and the neighbourhood's coordinators.",
        "Repair threads for harm and conflict, paced by the harmed party.",
        "Support for coordinators themselves: well-being checks and a peer channel.",
    ),
    cannot_hold=(
        "Emergencies or immediate danger to anyone's safety.",
        "Diagnosis, treatment, medication or any clinical decision.",
        "Investigations, evidence or decisions about guilt and sanctions.",
        "Records about a person for use outside their circle.",
    ),
)


def care_scope() -> CareScopeFacts:
    return CARE_SCOPE
