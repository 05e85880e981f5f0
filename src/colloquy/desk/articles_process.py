"""Seed articles on how claims and policies are handled (plain text, written for this desk).

Each entry is ``(slug, title, tags, body)``; :mod:`colloquy.desk.seed` gives them ids.
"""

from __future__ import annotations

PROCESS: tuple[tuple[str, str, str, str], ...] = (
    (
        "how-to-file-claim",
        "How to file a claim",
        "claim,file,submit,report,new claim,make a claim",
        "You can file a claim by phone, in the app or online. Have your policy number, the date "
        "and place of the incident, a description and an estimate of the cost ready. You get a "
        "claim number straight away; keep it for every later contact.",
    ),
    (
        "claim-timeline",
        "How long a claim takes",
        "claim,timeline,how long,processing time,wait",
        "Most claims are assessed within 10 working days of us receiving every document. "
        "Straightforward glass and vet claims are usually settled in 5 working days; claims "
        "needing a loss adjuster or a surveyor can take 30 days or more.",
    ),
    (
        "claim-statuses",
        "What each claim status means",
        "claim,status,under review,approved,denied,paid",
        "Submitted: received, waiting for a handler. Under review: being assessed. Awaiting "
        "documents: paused until what we asked for arrives. Approved: payment is being arranged. "
        "Denied: declined, with a letter explaining why. Paid: money sent. Closed: nothing more "
        "to do.",
    ),
    (
        "documents-needed",
        "Documents we may ask for",
        "documents,evidence,receipts,photos,police report",
        "Depending on the claim we ask for photos of the damage, receipts or proof of ownership, "
        "repair estimates, a police crime reference number, medical reports or an airline "
        "property irregularity report. Upload them in the app or email them quoting the claim "
        "number.",
    ),
    (
        "claim-payment",
        "How and when we pay a claim",
        "payment,paid,get paid,settlement,bank transfer,money",
        "Approved claims are paid by bank transfer to the account on file within 3 working days, "
        "less the excess. For repairs by an approved repairer we pay the repairer directly and "
        "you pay only the excess.",
    ),
    (
        "claim-denied-appeal",
        "Appealing a declined claim",
        "appeal,denied,declined,complaint,dispute",
        "If you disagree with a decision, reply to the decision letter within 8 weeks with any "
        "new evidence. A senior handler who was not involved reviews it. If you are still "
        "unhappy you can take the complaint to the independent ombudsman free of charge.",
    ),
    (
        "verify-identity",
        "Why we verify your identity",
        "identity,verification,security,date of birth,phone",
        "Before discussing a policy or claim we confirm who you are with the phone number on the "
        "policy and your date of birth. This protects your data. We never ask for your full card "
        "number or password.",
    ),
    (
        "update-contact-details",
        "Changing your address, phone or email",
        "contact details,address,phone,email,change",
        "You can change your contact details in the app or by phone after verification. A new "
        "address may change your premium; we tell you the new price before the change takes "
        "effect.",
    ),
    (
        "cancel-policy",
        "Cancelling your policy",
        "cancel,cancellation,refund,cooling off",
        "You can cancel within 14 days of buying or renewing for a full refund if you have not "
        "claimed. After that you get a pro-rata refund minus a 25 dollar fee; no refund is due "
        "if a claim was paid in the current year.",
    ),
    (
        "renewal",
        "Renewing your policy",
        "renewal,renew,premium,price,auto-renew",
        "We send your renewal price 21 days before the policy ends. Policies renew automatically "
        "unless you tell us otherwise. Call us if your circumstances changed so your cover stays "
        "right.",
    ),
    (
        "add-driver",
        "Adding a driver to a car policy",
        "auto,driver,add driver,named driver",
        "Named drivers can be added in the app or by phone with their date of birth, licence "
        "details and claims history. The change applies from the moment it is confirmed and "
        "may change the premium.",
    ),
    (
        "approved-repairers",
        "Approved repairers and choosing your own",
        "repair,garage,approved repairer,workmanship",
        "Approved repairers' work is guaranteed for five years and we pay them directly. You may "
        "use your own garage; we then pay up to what an approved repairer would have charged "
        "and the guarantee does not apply.",
    ),
    (
        "loss-adjuster",
        "When a loss adjuster visits",
        "loss adjuster,visit,assessment,large claim",
        "For large or complex claims an independent loss adjuster visits to assess the damage. "
        "They arrange a time with you, usually within 5 working days, and report to us; they do "
        "not decide the claim.",
    ),
    (
        "emergency-repairs",
        "Emergency repairs before a claim is approved",
        "emergency,repairs,temporary,make safe",
        "You may arrange emergency repairs to make your home or car safe and prevent further "
        "damage without waiting for us. Keep the receipts and photos of the damage before and "
        "after; reasonable costs are added to the claim.",
    ),
    (
        "fraud-warning",
        "Honest claims and fraud",
        "fraud,false,exaggerate,honesty",
        "Claims must be honest and complete. An exaggerated or false claim can be declined in "
        "full, the policy cancelled, and details shared with fraud prevention agencies.",
    ),
    (
        "complaints",
        "Making a complaint",
        "complaint,complain,unhappy,escalate,ombudsman",
        "Tell us what went wrong by phone, email or letter. We acknowledge complaints within 3 "
        "working days and aim to resolve them within 4 weeks; the final response explains how "
        "to refer it to the ombudsman.",
    ),
    (
        "claim-update-details",
        "Adding information to an open claim",
        "claim,update,add information,correction",
        "To correct or add to an open claim, call with the claim number or reply to any claim "
        "email. New information can change the assessment, so send it as soon as you have it.",
    ),
    (
        "third-party-claims",
        "When someone claims against you",
        "third party,liability,claim against you,injury",
        "If someone says you caused them loss or injury, do not admit fault or offer payment. "
        "Pass every letter to us unanswered; we handle the claim and any legal costs under the "
        "liability section of your policy.",
    ),
    (
        "proof-of-ownership",
        "Proving you owned an item",
        "proof,ownership,receipt,valuation,jewellery",
        "Receipts, bank statements, valuations, photos and original packaging all help prove "
        "ownership. Items worth over 2,000 dollars need a valuation less than three years old "
        "and must be listed on your schedule.",
    ),
    (
        "settlement-options",
        "Repair, replace or cash settlement",
        "settlement,replace,cash,repair,options",
        "We decide whether to repair, replace or pay cash. Where we can replace an item through "
        "our suppliers at a discount, a cash settlement is limited to what the replacement "
        "would have cost us.",
    ),
    (
        "opening-hours",
        "Claims line opening hours",
        "opening hours,phone,contact,24 hours",
        "The claims line is open 24 hours a day, 7 days a week for new claims and emergencies. "
        "Questions about existing claims are answered Monday to Friday 8am to 8pm and Saturday "
        "9am to 5pm.",
    ),
)
