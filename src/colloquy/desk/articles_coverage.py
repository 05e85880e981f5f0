"""Seed articles on what each policy covers (plain text, written for this desk).

Each entry is ``(slug, title, tags, body)``; :mod:`colloquy.desk.seed` gives them ids.
"""

from __future__ import annotations

COVERAGE: tuple[tuple[str, str, str, str], ...] = (
    (
        "auto-collision",
        "Collision damage to your own car",
        "auto,collision,accident,crash,repair",
        "Comprehensive and collision auto policies pay to repair your car after a collision "
        "with another vehicle or an object, whoever was at fault, less your excess. Third-party "
        "only policies do not cover damage to your own car.",
    ),
    (
        "auto-theft",
        "Stolen car: theft and attempted theft",
        "auto,theft,stolen,break-in,vandalism",
        "Theft of your car is covered on comprehensive policies. If your stolen car is not "
        "recovered within 30 days we pay its market value at the time of the theft. Damage "
        "from an attempted theft is repaired. Report the theft to the police first and give "
        "us the crime reference number.",
    ),
    (
        "auto-windscreen",
        "Windscreen and window glass",
        "auto,glass,windscreen,chip,crack",
        "Chips and cracks in the windscreen, side and rear windows are covered on comprehensive "
        "policies. A chip repair has no excess and does not affect your no-claims discount; a "
        "full replacement carries a glass excess of 100 dollars.",
    ),
    (
        "auto-rental-car",
        "Courtesy and rental car while yours is repaired",
        "auto,rental,courtesy car,hire car,repair",
        "While an approved repairer fixes your car after a covered claim you get a small "
        "courtesy car for up to 14 days. A like-for-like rental is available with the rental "
        "add-on. Courtesy cars are not provided when the car is written off or stolen.",
    ),
    (
        "auto-roadside",
        "Roadside assistance and towing",
        "auto,breakdown,towing,roadside",
        "Roadside assistance covers call-outs for breakdowns, flat batteries and flat tyres, and "
        "towing to the nearest garage up to 50 miles. It is included with comprehensive policies "
        "and is an add-on for third-party policies.",
    ),
    (
        "auto-uninsured-driver",
        "Accidents caused by uninsured drivers",
        "auto,uninsured,hit and run,fault",
        "If an uninsured driver hits you and you give us their registration, your excess is "
        "refunded and your no-claims discount is kept. Hit-and-run incidents are covered as a "
        "collision claim and need a police report.",
    ),
    (
        "auto-personal-belongings",
        "Personal belongings in the car",
        "auto,belongings,possessions,stolen items",
        "Belongings stolen from or damaged in a locked car are covered up to 300 dollars per "
        "claim. Cash, phones, laptops and items left in plain view in an unlocked car are "
        "excluded.",
    ),
    (
        "home-water-damage",
        "Burst pipes and escape of water",
        "home,water,leak,burst pipe,flood",
        "Sudden escape of water from pipes, tanks and appliances is covered, including the cost "
        "of tracing the leak. Gradual leaks, worn seals and grout, and damage from not "
        "maintaining the property are excluded. The escape-of-water excess is 350 dollars.",
    ),
    (
        "home-flood",
        "Flood and storm damage to your home",
        "home,flood,storm,weather,rain,hail,wind",
        "Storm damage from wind of 55 mph or more, heavy rain, hail and snow is covered, as is "
        "flooding from rivers and surface water. Damage to fences, gates and hedges by storm "
        "is excluded, and so is water entering through worn roofs.",
    ),
    (
        "home-fire",
        "Fire, smoke and lightning",
        "home,fire,smoke,lightning,explosion",
        "Fire, smoke, lightning and explosion damage to the building and contents is covered. "
        "If your home cannot be lived in we pay reasonable alternative accommodation for up to "
        "12 months.",
    ),
    (
        "home-burglary",
        "Burglary and theft from your home",
        "home,theft,burglary,burglar,break-in,stolen",
        "Theft after forced entry is covered for contents and the damage done to doors and "
        "windows. Theft without forced entry is covered only if the home was occupied. Report a "
        "burglary to the police within 24 hours.",
    ),
    (
        "home-accidental-damage",
        "Accidental damage to contents",
        "home,accidental damage,spill,broken,contents",
        "Accidental damage such as a spill on a carpet or a dropped television is covered when "
        "your policy includes the accidental damage add-on. Wear and tear, pets chewing or "
        "scratching, and damage while moving house are excluded.",
    ),
    (
        "home-subsidence",
        "Subsidence, heave and landslip",
        "home,subsidence,cracks,foundations",
        "Subsidence, heave and landslip damage to the building is covered with a 1,000 dollar "
        "excess. New cracks should be reported promptly; we appoint a surveyor before any "
        "repair is agreed.",
    ),
    (
        "travel-medical",
        "Emergency medical treatment abroad",
        "travel,medical,hospital,abroad,emergency",
        "Emergency medical and hospital treatment abroad is covered up to 10 million dollars, "
        "including repatriation when our medical team agrees it is needed. Call the 24-hour "
        "assistance line before any treatment other than first aid.",
    ),
    (
        "travel-cancellation",
        "Trip cancellation and cutting a trip short",
        "travel,cancellation,cancel,curtailment,trip",
        "Non-refundable costs are covered if you cancel or cut short a trip because of illness, "
        "injury, a death in the family, jury service or redundancy. Changing your mind, "
        "airline strikes announced before booking and known medical conditions not declared are "
        "excluded.",
    ),
    (
        "travel-baggage",
        "Lost, stolen or delayed baggage",
        "travel,baggage,luggage,lost,delayed",
        "Lost or stolen baggage is covered up to 1,500 dollars, with a single-item limit of 300 "
        "dollars. If baggage is delayed more than 12 hours we pay up to 200 dollars for "
        "essentials. Get a property irregularity report from the airline.",
    ),
    (
        "health-outpatient",
        "Outpatient consultations and tests",
        "health,outpatient,consultation,specialist,tests",
        "Specialist consultations, diagnostic tests and scans are covered up to the outpatient "
        "limit on your schedule when a GP refers you. Routine check-ups and GP visits are not "
        "covered.",
    ),
    (
        "health-preexisting",
        "Pre-existing medical conditions",
        "health,pre-existing,condition,exclusion,moratorium",
        "Conditions you had symptoms of, or treatment for, in the five years before joining "
        "are excluded for the first two years. After two symptom-free years on the policy they "
        "may become eligible.",
    ),
    (
        "pet-vet-fees",
        "Vet fees for illness and injury",
        "pet,vet,illness,injury,animal",
        "Vet fees for illness and injury are covered up to the annual limit, which resets each "
        "renewal. Vaccinations, neutering, routine dental care and conditions that showed signs "
        "before the policy started are excluded.",
    ),
    (
        "excess-explained",
        "What the excess is and how it applies",
        "excess,deductible,payment,claim",
        "The excess is the part of each claim you pay yourself. It is taken off the settlement, "
        "not paid to us separately. Policies list a compulsory excess and any voluntary excess "
        "you chose; both apply to each claim.",
    ),
    (
        "no-claims-discount",
        "No-claims discount and protecting it",
        "no claims,discount,bonus,premium,protection",
        "Each claim-free year adds to your no-claims discount, up to nine years. A claim where we "
        "cannot recover our costs reduces it at renewal unless you bought no-claims protection, "
        "which allows two claims in three years.",
    ),
    (
        "general-exclusions",
        "What no policy covers",
        "exclusions,not covered,war,wear and tear,intentional",
        "No policy covers wear and tear, gradual deterioration, deliberate damage by you, war, "
        "nuclear risks, or losses you cannot show happened. Business use is excluded unless "
        "your schedule says otherwise.",
    ),
)
