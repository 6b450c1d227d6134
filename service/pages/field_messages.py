"""One French sentence per form field, shown when what was typed is refused.

Pages never show the schema's own text (types, regular expressions, `$.field` paths): a refused
field gets the sentence of `FIELD_MESSAGES`, or, for a field without one, a sentence naming its
French label (`FIELD_LABELS`).
"""

from __future__ import annotations

FIELD_LABELS: dict[str, str] = {
    "display_name": "Nom affiché",
    "email": "Adresse e-mail",
    "role": "Rôle",
    "job_title": "Fonction",
    "organization": "Structure",
    "organization_type": "Type de structure",
    "region": "Région",
    "department": "Département",
    "network_level": "Échelle d'échange souhaitée",
    "bio": "Présentation",
    "offers": "Ce que je peux partager",
    "needs": "Besoins",
    "text": "Besoin",
    "topics": "Thématiques",
    "capacity": "Nombre de personnes accompagnées",
    "tools": "Outils",
    "consent": "Consentement",
    "paused": "Suspension des demandes",
    "peer_exchange": "Échanges entre pairs",
    "version": "Version",
    "title": "Titre",
    "summary": "Résumé",
    "objectives": "Objectifs",
    "format": "Format",
    "duration_hours": "Durée (heures)",
    "duration_minutes": "Durée en minutes",
    "audience": "Public",
    "status": "Statut",
    "themes": "Thèmes",
    "theme": "Thème",
    "steps": "Étapes",
    "materials": "Matériel",
    "when_to_use": "Quand l'utiliser",
    "group_size": "Participants",
    "licence": "Licence",
    "comment": "Commentaire",
    "file": "Fichier",
    "rows": "Lignes du fichier",
    "mapping": "Correspondance des colonnes",
    "outcome": "Issue de l'accompagnement",
    "rating": "Note",
    "lesson": "Enseignement à partager",
    "share_lesson": "Partage de l'enseignement",
    "message": "Message",
    "need_id": "Besoin",
    "coach_id": "Personne sollicitée",
    "kind": "Type de demande",
    "password": "Mot de passe",
    "confirmation": "Confirmation du mot de passe",
    "jeton": "Code d'invitation",
    "q": "Recherche",
}

FIELD_MESSAGES: dict[str, str] = {
    "display_name": "Saisissez le nom affiché : de 1 à 120 caractères.",
    "email": "Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr.",
    "role": "Choisissez un rôle dans la liste.",
    "job_title": "La fonction compte au plus 200 caractères.",
    "organization": "Le nom de la structure compte au plus 200 caractères.",
    "organization_type": "Choisissez un type de structure dans la liste.",
    "region": "Choisissez une région dans la liste.",
    "department": (
        "Saisissez un numéro de département : deux chiffres de 01 à 95, 2A, 2B, "
        "ou 971 à 976 pour l'outre-mer."
    ),
    "network_level": "Choisissez une échelle d'échange dans la liste.",
    "bio": "La présentation compte au plus 2 000 caractères.",
    "offers": "Indiquez au plus 10 propositions, une par ligne, de 500 caractères au plus chacune.",
    "needs": "Indiquez au plus 10 besoins, de 500 caractères au plus chacun.",
    "text": "Décrivez votre besoin en 1 à 500 caractères.",
    "topics": (
        "Indiquez au plus 20 thématiques séparées par des virgules, de 60 caractères au plus "
        "chacune."
    ),
    "capacity": "Indiquez un nombre entier de personnes : au moins 0, au plus 20.",
    "tools": "Cochez des outils de la liste.",
    "title": (
        "Saisissez un titre : de 5 à 160 caractères pour un module, de 3 à 200 pour une fiche."
    ),
    "summary": "Saisissez un résumé de 20 à 2 000 caractères.",
    "objectives": "Indiquez de 1 à 12 objectifs, un par ligne, de 5 à 300 caractères chacun.",
    "format": "Choisissez un format dans la liste.",
    "duration_hours": (
        "Saisissez une durée en heures supérieure à 0 et d'au plus 300, par exemple 3,5."
    ),
    "duration_minutes": "Saisissez une durée en minutes : un nombre entier de 1 à 10 080.",
    "audience": "Cochez de 1 à 4 publics.",
    "status": "Choisissez un statut dans la liste.",
    "themes": "Cochez au plus 6 thèmes de la liste.",
    "theme": "Choisissez un thème dans la liste.",
    "steps": "Indiquez au plus 30 étapes, une par ligne, de 1 000 caractères au plus chacune.",
    "materials": "Le matériel compte au plus 4 000 caractères.",
    "when_to_use": "Ce texte compte au plus 4 000 caractères.",
    "group_size": "Le nombre de participants s'écrit en 60 caractères au plus.",
    "licence": "Indiquez une licence de 1 à 80 caractères.",
    "comment": "Le commentaire compte au plus 500 caractères.",
    "file": "Ce fichier ne peut pas être lu : envoyez un fichier CSV encodé en UTF-8.",
    "outcome": "Choisissez l'issue de l'accompagnement dans la liste.",
    "rating": "Choisissez une note de 1 à 5.",
    "lesson": "L'enseignement à partager compte au plus 2 000 caractères.",
    "message": "Écrivez un message de 1 à 2 000 caractères.",
    "need_id": "Choisissez un de vos besoins ouverts.",
    "coach_id": "Cette personne ne peut pas être sollicitée.",
    "version": "La page a changé entre-temps : rechargez-la et refaites votre modification.",
}


def field_label(field: str) -> str:
    """The French label of a form field (the field's name when none is known)."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


def field_message(field: str) -> str:
    """The French sentence shown when `field` is refused."""
    known = FIELD_MESSAGES.get(field)
    if known is not None:
        return known
    return f"La valeur du champ « {field_label(field)} » n'est pas valide : corrigez-la."
