"""The fixed words of the mails, per member language (the bulletins keep their own language)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "greeting": "Beste {name},",
        "greeting_fallback": "Beste lid,",
        "intro_digest": "Hier zijn de nieuwe berichten van uw buurtinformatienetwerk.",
        "intro_single": "Er is een nieuw bericht van uw buurtinformatienetwerk.",
        "intro_urgent": "Dringend bericht van de politie voor uw buurt.",
        "intro_briefing": "Briefing voor de coördinatoren en de stuurgroep: stuur dit bericht nog niet door "
        "naar de leden.",
        "next_approved": "Wat gebeurt er nu? {who} keurde de tekst goed; de leden krijgen hem vanaf {date}.",
        "next_waiting": "Wat gebeurt er nu? De tekst wacht op goedkeuring door {who}. U hoort het wanneer hij "
        "naar de leden gaat.",
        "read_online": "Lees dit bericht op de website",
        "members_only": "Dit bericht is alleen voor de leden van het netwerk. Geef het niet door.",
        "urgent": "Dringend? Bel 101 of 112.",
        "no_reply": "Antwoord niet op deze e-mail voor dringende zaken: bel de politie.",
        "why": "U ontvangt deze e-mail omdat u lid bent van {network}.",
        "contact": "Vragen? Mail de coördinator: {contact}",
        "privacy": "Uw gegevens worden alleen gebruikt voor de communicatie van het netwerk. "
        "U kunt ze inkijken, laten verbeteren of wissen via {contact}.",
        "unsubscribe": "Uitschrijven",
        "unsubscribe_text": "Geen berichten meer ontvangen van {network}? Schrijf u uit",
        "digest_subject": "{network}: {count} nieuwe berichten",
    },
    "fr": {
        "greeting": "Bonjour {name},",
        "greeting_fallback": "Bonjour,",
        "intro_digest": "Voici les nouveaux messages de votre partenariat local de prévention.",
        "intro_single": "Il y a un nouveau message de votre partenariat local de prévention.",
        "intro_urgent": "Message urgent de la police pour votre quartier.",
        "intro_briefing": "Briefing pour les coordinateurs et le groupe de pilotage : ne transférez pas encore ce "
        "message aux membres.",
        "next_approved": "Et ensuite ? {who} a approuvé le texte ; les membres le recevront à partir du {date}.",
        "next_waiting": "Et ensuite ? Le texte attend l'approbation de {who}.",
        "read_online": "Lire ce message sur le site",
        "members_only": "Ce message est réservé aux membres du réseau. Ne le transférez pas.",
        "urgent": "Urgent ? Appelez le 101 ou le 112.",
        "no_reply": "Pour une urgence, ne répondez pas à cet e-mail : appelez la police.",
        "why": "Vous recevez cet e-mail parce que vous êtes membre de {network}.",
        "contact": "Des questions ? Écrivez au coordinateur : {contact}",
        "privacy": "Vos données servent uniquement à la communication du réseau. "
        "Vous pouvez les consulter, les corriger ou les effacer via {contact}.",
        "unsubscribe": "Se désinscrire",
        "unsubscribe_text": "Ne plus recevoir les messages de {network} ? Désinscrivez-vous",
        "digest_subject": "{network} : {count} nouveaux messages",
    },
}


def strings(lang: str) -> dict[str, str]:
    """The member's language, falling back to Dutch for languages without a translation yet."""
    return STRINGS.get(lang, STRINGS["nl"])
