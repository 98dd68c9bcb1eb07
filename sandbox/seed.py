"""Hand-written demo mail: one job search across eight companies, buried in everyday email.

`demo_messages(now)` is the mailbox before the demo starts (the last 30 days); `demo_followups(now)`
are later emails the demo drops one at a time, each moving an application along. Every message has a
stable Message-ID, so follow-ups thread onto the seeded conversations through In-Reply-To.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEMO_RECIPIENT = "jordan.rivera@gmail.com"
PROMOTIONS = ("INBOX", "UNREAD", "CATEGORY_PROMOTIONS")
UPDATES = ("INBOX", "UNREAD", "CATEGORY_UPDATES")
PERSONAL = ("INBOX", "UNREAD", "CATEGORY_PERSONAL")
READ = ("INBOX", "CATEGORY_PERSONAL")
SENT = ("SENT",)
SPAM = ("SPAM", "UNREAD")

NORTHWIND_ATS = "Northwind Robotics <no-reply@us.greenhouse-mail.io>"
NORTHWIND_RECRUITER = "Priya Shah <priya.shah@northwindrobotics.com>"
LUMEN_ATS = "Lumen Health <no-reply@hire.lever.co>"
HALVORSEN_ATS = "Halvorsen Logistics <halvorsen@myworkdayjobs.com>"
HALVORSEN_RECRUITER = "Marcus Bell <marcus.bell@halvorsenlogistics.com>"
PARCEL_ATS = "Parcel & Pine <no-reply@ashbyhq.com>"
PARCEL_RECRUITER = "Dana Ortiz <dana@parcelandpine.com>"
HELIX_ATS = "Helix Data Systems <no-reply@us.greenhouse-mail.io>"
BRIGHTWATER_ATS = "Brightwater Energy <brightwater@myworkdayjobs.com>"
ORBITRA_ATS = "Orbitra Labs <no-reply@hire.lever.co>"
ORBITRA_RECRUITER = "Theo Lindqvist <theo@orbitralabs.io>"
QUILLMARK_RECRUITER = "Elena Novak <elena.novak@quillmark.com>"
QUILLMARK_ATS = "Quillmark Publishing <no-reply@ashbyhq.com>"
KINETIC_ATS = "Kinetic Foods <no-reply@us.greenhouse-mail.io>"
KINETIC_RECRUITER = "Ama Boateng <ama.boateng@kineticfoods.com>"
ME = f"Jordan Rivera <{DEMO_RECIPIENT}>"


@dataclass(frozen=True)
class _Mail:
    key: str
    hours_ago: float
    sender: str
    subject: str
    body: str
    reply_to: str | None = None
    labels: tuple[str, ...] = ("INBOX", "UNREAD")


_SEED: tuple[_Mail, ...] = (
    # Northwind Robotics: applied -> recruiter chat -> onsite -> offer.
    _Mail(
        "nw-applied",
        29 * 24 + 3,
        NORTHWIND_ATS,
        "Thank you for applying to Northwind Robotics",
        "Hi Jordan,\n\nThanks for applying for the Senior Data Analyst role at Northwind "
        "Robotics. Our recruiting team will review your application and be in touch if your "
        "background is a match.\n\nNorthwind Robotics Talent Acquisition",
    ),
    _Mail(
        "nw-chat",
        24 * 24 + 5,
        NORTHWIND_RECRUITER,
        "Senior Data Analyst at Northwind - time to chat?",
        "Hi Jordan,\n\nI'm Priya, the recruiter for our analytics team. Your warehouse "
        "forecasting project stood out. Would you have 30 minutes this week for an intro call? "
        "Tuesday or Thursday afternoon works on my side.\n\nBest,\nPriya",
    ),
    _Mail(
        "nw-chat-reply",
        24 * 24 + 2,
        ME,
        "Re: Senior Data Analyst at Northwind - time to chat?",
        "Hi Priya, thanks for reaching out! Thursday at 2pm works well for me.\n\nJordan",
        reply_to="nw-chat",
        labels=SENT,
    ),
    _Mail(
        "nw-chat-confirm",
        24 * 24 + 1,
        NORTHWIND_RECRUITER,
        "Re: Senior Data Analyst at Northwind - time to chat?",
        "Perfect - I've sent a calendar invite for Thursday at 2pm PT. Talk soon!\n\nPriya",
        reply_to="nw-chat-reply",
        labels=READ,
    ),
    _Mail(
        "nw-onsite",
        15 * 24 + 6,
        NORTHWIND_RECRUITER,
        "Next steps: virtual onsite for Senior Data Analyst",
        "Hi Jordan,\n\nThe hiring manager loved your conversation. We'd like to invite you to a "
        "virtual onsite: a SQL exercise, a case study and two conversations with the team, "
        "about four hours in total. Could you share your availability for next week?\n\nPriya",
    ),
    _Mail(
        "nw-offer",
        4 * 24 + 2,
        NORTHWIND_RECRUITER,
        "Your offer from Northwind Robotics",
        "Hi Jordan,\n\nCongratulations! I'm thrilled to let you know we'd like to extend you an "
        "offer for the Senior Data Analyst position. The offer letter with compensation details "
        "is attached. Let's set up a call to walk through it.\n\nPriya",
        reply_to="nw-onsite",
    ),
    # Lumen Health: applied -> rejected.
    _Mail(
        "lu-applied",
        27 * 24 + 8,
        LUMEN_ATS,
        "Lumen Health | Your application for Analytics Engineer",
        "Hi Jordan,\n\nThank you for your interest in Lumen Health! We've received your "
        "application for Analytics Engineer and will review it carefully.\n\nThe Lumen Health "
        "Recruiting Team",
    ),
    _Mail(
        "lu-rejected",
        12 * 24 + 4,
        LUMEN_ATS,
        "Update on your application to Lumen Health",
        "Hi Jordan,\n\nThank you for taking the time to apply. After reviewing your application, "
        "we have decided to move forward with other candidates whose experience more closely "
        "matches our current needs. We wish you the best in your search.\n\nLumen Health",
        reply_to="lu-applied",
    ),
    # Halvorsen Logistics: applied -> phone screen -> interview.
    _Mail(
        "ha-applied",
        26 * 24 + 2,
        HALVORSEN_ATS,
        "Application Received: Business Intelligence Developer (R-10482)",
        "Dear Jordan Rivera,\n\nThank you for applying to the Business Intelligence Developer "
        "position (R-10482) at Halvorsen Logistics. You can check the status of your "
        "application at any time in our candidate home.\n\nHalvorsen Logistics Careers",
    ),
    _Mail(
        "ha-screen",
        20 * 24 + 7,
        HALVORSEN_RECRUITER,
        "Halvorsen Logistics: let's schedule a phone screen",
        "Hello Jordan,\n\nThanks for applying for our BI Developer opening. I'd like to schedule "
        "a 20-minute phone screen to learn more about your Power BI and SQL experience. Please "
        "reply with a few times that work for you.\n\nMarcus Bell\nTalent Partner",
    ),
    _Mail(
        "ha-screen-reply",
        20 * 24 + 3,
        ME,
        "Re: Halvorsen Logistics: let's schedule a phone screen",
        "Hi Marcus, happy to chat. I'm free Monday 10-12 or Wednesday after 3pm.\n\nBest,\nJordan",
        reply_to="ha-screen",
        labels=SENT,
    ),
    _Mail(
        "ha-interview",
        13 * 24 + 5,
        HALVORSEN_ATS,
        "Interview confirmation - Business Intelligence Developer",
        "Dear Jordan,\n\nYour interview for Business Intelligence Developer is confirmed for "
        "Friday at 11:00 AM CT with the Data Platform team (Microsoft Teams link below). Please "
        "allow 60 minutes.\n\nHalvorsen Logistics Careers",
        reply_to="ha-applied",
    ),
    # Parcel & Pine: applied -> chat -> interview.
    _Mail(
        "pp-applied",
        22 * 24 + 1,
        PARCEL_ATS,
        "Thanks for applying to Parcel & Pine!",
        "Hi Jordan,\n\nWe got your application for Product Analyst - thank you! Our small team "
        "reads every application and we'll get back to you within two weeks.\n\nParcel & Pine",
    ),
    _Mail(
        "pp-chat",
        16 * 24 + 3,
        PARCEL_RECRUITER,
        "Parcel & Pine - Product Analyst: find a time to chat",
        "Hey Jordan,\n\nThanks for applying! I'd love to find a time to chat about the Product "
        "Analyst role and what we're building. Grab any 30-minute slot on my calendar that "
        "suits you.\n\nDana",
    ),
    _Mail(
        "pp-interview",
        10 * 24 + 2,
        PARCEL_ATS,
        "Interview scheduled: Product Analyst (Parcel & Pine)",
        "Hi Jordan,\n\nYour interview with Sam (Head of Product) and Lee (Data Lead) is scheduled "
        "for Wednesday 1:00-2:00 PM ET on Google Meet. We'll dig into a product metrics case "
        "together - no preparation needed.\n\nParcel & Pine",
        reply_to="pp-applied",
    ),
    # Helix Data Systems: applied -> technical interview.
    _Mail(
        "hx-applied",
        21 * 24 + 9,
        HELIX_ATS,
        "Thank you for applying to Helix Data Systems",
        "Hello Jordan,\n\nThank you for your application to the Data Engineer II position at "
        "Helix Data Systems. We've received it and a member of our team will review it soon."
        "\n\nHelix Recruiting",
    ),
    _Mail(
        "hx-interview",
        9 * 24 + 6,
        HELIX_ATS,
        "Helix Data Systems: technical interview invitation",
        "Hi Jordan,\n\nWe'd like to invite you to a 60-minute technical interview for Data "
        "Engineer II covering Python, Spark and data modelling. Please use the link to choose a "
        "time in the next week.\n\nHelix Recruiting",
        reply_to="hx-applied",
    ),
    # Brightwater Energy: applied -> rejected.
    _Mail(
        "bw-applied",
        18 * 24 + 4,
        BRIGHTWATER_ATS,
        "Brightwater Energy: application received for Data Analyst, Grid Operations",
        "Dear Jordan,\n\nThank you for applying for Data Analyst, Grid Operations (JR-2291). We "
        "have received your application and will contact you if you are selected to move to the "
        "next stage.\n\nBrightwater Energy Talent Acquisition",
    ),
    _Mail(
        "bw-rejected",
        6 * 24 + 3,
        BRIGHTWATER_ATS,
        "Regarding your application for Data Analyst, Grid Operations",
        "Dear Jordan,\n\nThank you for your interest in Brightwater Energy. We regret to inform "
        "you that we have decided to move forward with other candidates for this position. We "
        "encourage you to apply for future openings.\n\nBrightwater Energy",
        reply_to="bw-applied",
    ),
    # Orbitra Labs: applied.
    _Mail(
        "or-applied",
        8 * 24 + 5,
        ORBITRA_ATS,
        "Orbitra Labs - we received your application",
        "Hi Jordan,\n\nThanks for applying to Analytics Engineer (Growth) at Orbitra Labs. Our "
        "team is reviewing applications and will reach out about next steps.\n\nOrbitra Labs",
    ),
    # Quillmark Publishing: recruiter outreach -> chat -> applied.
    _Mail(
        "qm-outreach",
        14 * 24 + 6,
        QUILLMARK_RECRUITER,
        "Quick chat about a Data Visualization role at Quillmark?",
        "Hi Jordan,\n\nI came across your portfolio of newsroom dashboards and thought of our "
        "Data Visualization Specialist opening. Would you be open to a quick call this week to "
        "hear more?\n\nElena Novak\nQuillmark Publishing",
    ),
    _Mail(
        "qm-reply",
        14 * 24 + 1,
        ME,
        "Re: Quick chat about a Data Visualization role at Quillmark?",
        "Hi Elena, that sounds interesting - I'd be glad to talk. Does Wednesday morning work?"
        "\n\nJordan",
        reply_to="qm-outreach",
        labels=SENT,
    ),
    _Mail(
        "qm-calendar",
        13 * 24 + 8,
        QUILLMARK_RECRUITER,
        "Re: Quick chat about a Data Visualization role at Quillmark?",
        "Wednesday at 9:30 is booked - here's the video link. Looking forward to it!\n\nElena",
        reply_to="qm-reply",
        labels=READ,
    ),
    _Mail(
        "qm-applied",
        5 * 24 + 7,
        QUILLMARK_ATS,
        "Thank you for applying to Quillmark Publishing",
        "Hi Jordan,\n\nThanks for submitting your application for Data Visualization Specialist. "
        "Elena mentioned you spoke last week; we'll follow up shortly with next steps."
        "\n\nQuillmark Publishing",
    ),
    # Everyday mail, including look-alikes that are not job applications.
    _Mail(
        "li-alert-1",
        28 * 24,
        "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
        "Data Analyst: 24 new jobs in Seattle, WA",
        "24 new jobs match your preferences. Senior Data Analyst at Contoso - Seattle, WA. "
        "Apply now, be an early applicant.",
        labels=UPDATES,
    ),
    _Mail(
        "li-alert-2",
        17 * 24 + 2,
        "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
        "Analytics Engineer: 11 new jobs in Remote",
        "11 new jobs match your preferences. Be one of the first to apply to these roles.",
        labels=UPDATES,
    ),
    _Mail(
        "li-alert-3",
        3 * 24 + 1,
        "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
        '"data visualization": 7 new jobs',
        '7 new jobs for your search "data visualization". Easy Apply available.',
        labels=UPDATES,
    ),
    _Mail(
        "li-views",
        11 * 24 + 3,
        "LinkedIn <messages-noreply@linkedin.com>",
        "You appeared in 9 searches this week",
        "You appeared in 9 searches this week. See who's looking at your profile.",
        labels=UPDATES,
    ),
    _Mail(
        "indeed-1",
        23 * 24 + 6,
        "Indeed <alert@indeed.com>",
        "New jobs for Business Analyst",
        "Business Analyst - Rainier Credit Union - Tacoma, WA. Easily apply. Responsive employer.",
        labels=UPDATES,
    ),
    _Mail(
        "indeed-2",
        7 * 24 + 6,
        "Indeed <alert@indeed.com>",
        "15 new Data Engineer jobs for you",
        "Here are today's job recommendations based on your resume.",
        labels=UPDATES,
    ),
    _Mail(
        "glassdoor",
        19 * 24 + 1,
        "Glassdoor <noreply@glassdoor.com>",
        "Your weekly salary insights for Data Analyst",
        "See what Data Analysts in Seattle are earning this year and read fresh interview "
        "reviews from your saved companies.",
        labels=UPDATES,
    ),
    _Mail(
        "bank-card",
        25 * 24 + 4,
        "Summit Federal Credit Union <alerts@summitfcu.org>",
        "We've received your application",
        "Thank you for applying for the Summit Cash Rewards Visa. Your application is being "
        "reviewed and we'll notify you of our decision within 7-10 business days.",
        labels=UPDATES,
    ),
    _Mail(
        "rental",
        21 * 24 + 2,
        "Maple Court Apartments <leasing@maplecourtliving.com>",
        "Your rental application has been received",
        "Hi Jordan, we've received your rental application for unit 4B. Background and credit "
        "checks usually take 2-3 business days.",
        labels=PERSONAL,
    ),
    _Mail(
        "rental-approved",
        16 * 24 + 5,
        "Maple Court Apartments <leasing@maplecourtliving.com>",
        "Congratulations - your application is approved!",
        "Great news! Your rental application for unit 4B has been approved. Please sign the "
        "lease within 48 hours to hold the apartment.",
        reply_to="rental",
        labels=PERSONAL,
    ),
    _Mail(
        "order",
        20 * 24 + 9,
        "Shop Orders <ship-confirm@orders.shopmart.com>",
        "Your order #112-4471 has shipped",
        "Good news - your package with 'Storytelling with Data' is on its way. Arriving Thursday.",
        labels=UPDATES,
    ),
    _Mail(
        "hike",
        18 * 24 + 7,
        "Maya Chen <maya.chen@gmail.com>",
        "Weekend hike?",
        "Thinking of doing Rattlesnake Ledge on Saturday morning if the weather holds. You in?",
        labels=PERSONAL,
    ),
    _Mail(
        "mom",
        15 * 24 + 2,
        "Linda Rivera <linda.rivera55@yahoo.com>",
        "Photos from Sunday",
        "Here are the pictures from grandpa's birthday! Call me this week, I want to hear how "
        "the job hunt is going.",
        labels=PERSONAL,
    ),
    _Mail(
        "newsletter-ae",
        26 * 24 + 7,
        "The Analytics Roundup <roundup@substack.com>",
        "Issue #142: metrics layers, finally?",
        "This week: why semantic layers are back, a deep dive on incremental models and a "
        "reader question about career ladders.",
        labels=UPDATES,
    ),
    _Mail(
        "podcast",
        12 * 24 + 8,
        "Data Talks Podcast <hello@datatalks.fm>",
        "Interview: how one team rebuilt its data stack in 90 days",
        "In this episode we interview the head of data at a fast-growing startup about "
        "rebuilding their stack. Listen now.",
        labels=PROMOTIONS,
    ),
    _Mail(
        "promo-offer",
        9 * 24 + 1,
        "Streamly <offers@streamly.com>",
        "Special offer: 30% off your annual plan",
        "A limited-time offer just for you: save 30% when you switch to an annual plan. Offer "
        "ends Sunday.",
        labels=PROMOTIONS,
    ),
    _Mail(
        "meetup",
        10 * 24 + 5,
        "Seattle Data Meetup <organizers@meetup.com>",
        "Unfortunately, this month's meetup is cancelled",
        "We regret to inform you that this month's Seattle Data Meetup is cancelled due to a "
        "venue issue. We'll be back next month!",
        labels=UPDATES,
    ),
    _Mail(
        "github-1",
        22 * 24 + 4,
        "GitHub <notifications@github.com>",
        "[jrivera/portfolio] Dependabot alert: 2 vulnerable dependencies",
        "Dependabot found 2 vulnerable dependencies in jrivera/portfolio.",
        labels=UPDATES,
    ),
    _Mail(
        "github-2",
        2 * 24 + 6,
        "GitHub <notifications@github.com>",
        "[dbt-labs/dbt-utils] Your pull request was merged",
        "Merged #884 into main. Thanks for your contribution!",
        labels=UPDATES,
    ),
    _Mail(
        "utility",
        14 * 24 + 9,
        "Seattle City Light <ebill@seattle.gov>",
        "Your electricity bill is ready",
        "Your bill of $64.18 is due on the 28th. Enroll in autopay to never miss a payment.",
        labels=UPDATES,
    ),
    _Mail(
        "gym",
        27 * 24 + 1,
        "CoreFit Gym <members@corefit.com>",
        "Welcome! Your membership application is approved",
        "Congratulations, your membership is active. Book your free orientation session.",
        labels=PROMOTIONS,
    ),
    _Mail(
        "volunteer",
        23 * 24 + 1,
        "Northwest Harvest <volunteer@northwestharvest.org>",
        "Thank you for applying to volunteer",
        "We received your volunteer application. Orientation sessions run every Saturday.",
        labels=PERSONAL,
    ),
    _Mail(
        "coffee",
        6 * 24 + 8,
        "Alex Kim <alex.kim@gmail.com>",
        "Invitation: Coffee catch-up",
        "Would love to catch up and hear about the interviews. Coffee on Friday at 10?",
        labels=PERSONAL,
    ),
    _Mail(
        "alumni",
        19 * 24 + 6,
        "UW Alumni Association <alumni@uw.edu>",
        "Career fair next week: 80+ employers",
        "Join us at the spring career fair. Bring your resume and meet employers hiring now.",
        labels=PROMOTIONS,
    ),
    _Mail(
        "spam-job",
        11 * 24 + 1,
        "HR Department <hr-team@quick-hire-now.biz>",
        "Congratulations! You have been selected for a remote position",
        "Earn $5000/week from home. No interview needed. Reply with your bank details to start.",
        labels=SPAM,
    ),
    _Mail(
        "dentist",
        8 * 24 + 2,
        "Smile Dental <appointments@smiledental.com>",
        "Your appointment is confirmed",
        "Your cleaning is confirmed for Tuesday at 8:00 AM. Reply C to confirm or R to reschedule.",
        labels=UPDATES,
    ),
    _Mail(
        "flight",
        5 * 24 + 3,
        "Alaska Airlines <confirmation@alaskaair.com>",
        "Your flight confirmation: SEA to SFO",
        "Confirmation code QX7T2L. Check in 24 hours before departure.",
        labels=UPDATES,
    ),
    _Mail(
        "course",
        4 * 24 + 9,
        "Coursera <no-reply@coursera.org>",
        "Your certificate is ready",
        "Congratulations on completing Advanced SQL for Data Scientists! Share it on LinkedIn.",
        labels=PROMOTIONS,
    ),
    _Mail(
        "signin",
        3 * 24 + 7,
        "Google <no-reply@accounts.google.com>",
        "Security alert: new sign-in on Mac",
        "We noticed a new sign-in to your Google Account on a Mac device. If this was you, you "
        "don't need to do anything.",
        labels=UPDATES,
    ),
    _Mail(
        "hiring-report",
        13 * 24 + 3,
        "Hays Insights <insights@hays-report.com>",
        "Hiring trends report: what employers want in 2024",
        "Our latest report covers salary trends and the skills employers are hiring for.",
        labels=PROMOTIONS,
    ),
    _Mail(
        "library",
        2 * 24 + 2,
        "Seattle Public Library <noreply@spl.org>",
        "Your hold is ready for pickup",
        "'The Pragmatic Programmer' is ready for pickup at the Capitol Hill branch.",
        labels=UPDATES,
    ),
    _Mail(
        "landlord",
        1 * 24 + 5,
        "Maple Court Apartments <leasing@maplecourtliving.com>",
        "Move-in checklist for unit 4B",
        "Welcome home! Attached is your move-in checklist and parking information.",
        reply_to="rental-approved",
        labels=PERSONAL,
    ),
    _Mail(
        "pharmacy",
        1 * 24 + 1,
        "Bartell Drugs <rx@bartelldrugs.com>",
        "Your prescription is ready",
        "Your prescription is ready for pickup at the Broadway location.",
        labels=UPDATES,
    ),
    _Mail(
        "friend-job",
        9 * 24 + 4,
        "Maya Chen <maya.chen@gmail.com>",
        "Re: Weekend hike?",
        "That was fun! Also my team is hiring a data analyst, want me to refer you?",
        reply_to="hike",
        labels=PERSONAL,
    ),
)

_FOLLOWUPS: tuple[_Mail, ...] = (
    _Mail(
        "or-chat",
        0.5,
        ORBITRA_RECRUITER,
        "Orbitra Labs - Analytics Engineer: time to chat this week?",
        "Hi Jordan,\n\nThanks for applying to Orbitra! I'm Theo from the talent team. Could we "
        "schedule a 30-minute call this week to talk about the Growth analytics team?\n\nTheo",
        reply_to="or-applied",
    ),
    _Mail(
        "ha-rejected",
        0.45,
        HALVORSEN_ATS,
        "Your application for Business Intelligence Developer (R-10482)",
        "Dear Jordan,\n\nThank you for interviewing with us. After careful consideration, we "
        "have decided to move forward with other candidates. We appreciate your time and "
        "interest in Halvorsen Logistics.",
        reply_to="ha-interview",
    ),
    _Mail(
        "hx-final",
        0.4,
        HELIX_ATS,
        "Helix Data Systems: invitation to final round interviews",
        "Hi Jordan,\n\nGreat news - the team would like to move you to the final round: three "
        "45-minute interviews on system design, data modelling and team fit. Please pick a "
        "day next week.\n\nHelix Recruiting",
        reply_to="hx-interview",
    ),
    _Mail(
        "li-alert-4",
        0.36,
        "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
        "Data Analyst: 31 new jobs in Seattle, WA",
        "31 new jobs match your preferences. Apply now.",
        labels=UPDATES,
    ),
    _Mail(
        "qm-interview",
        0.32,
        QUILLMARK_RECRUITER,
        "Interview invitation: Data Visualization Specialist",
        "Hi Jordan,\n\nThe team would love to meet you! We'd like to invite you to a portfolio "
        "review interview with our graphics editor. Please choose a time that works for you."
        "\n\nElena",
        reply_to="qm-applied",
    ),
    _Mail(
        "pp-final",
        0.28,
        PARCEL_RECRUITER,
        "Parcel & Pine: final interview with our CEO",
        "Hey Jordan,\n\nThe team really enjoyed meeting you. The last step is a 30-minute "
        "conversation with our CEO - can you do Thursday or Friday?\n\nDana",
        reply_to="pp-interview",
    ),
    _Mail(
        "newsletter-2",
        0.24,
        "The Analytics Roundup <roundup@substack.com>",
        "Issue #143: how we interview analysts",
        "A reader-favourite topic: what a good analytics interview loop looks like.",
        labels=UPDATES,
    ),
    _Mail(
        "kf-applied",
        0.2,
        KINETIC_ATS,
        "Thank you for applying to Kinetic Foods",
        "Hi Jordan,\n\nThanks for applying to the Supply Chain Data Analyst role at Kinetic "
        "Foods. We've received your application and will review it soon.\n\nKinetic Foods Talent",
    ),
    _Mail(
        "hx-rejected",
        0.16,
        HELIX_ATS,
        "Update from Helix Data Systems",
        "Hi Jordan,\n\nThank you for the time you spent with our team. It was a difficult "
        "decision, but we have decided to move forward with other candidates for the Data "
        "Engineer II role.\n\nHelix Recruiting",
        reply_to="hx-final",
    ),
    _Mail(
        "pp-offer",
        0.12,
        PARCEL_RECRUITER,
        "Offer: Product Analyst at Parcel & Pine",
        "Hi Jordan,\n\nWe're excited to offer you the Product Analyst position at Parcel & Pine! "
        "Your offer letter is attached - please let us know by next Wednesday.\n\nDana",
        reply_to="pp-final",
    ),
    _Mail(
        "bank-preapproved",
        0.08,
        "Summit Federal Credit Union <offers@summitfcu.org>",
        "You're pre-approved: a special offer on auto loans",
        "Good news! You're pre-approved for rates as low as 5.49% APR. This offer expires soon.",
        labels=PROMOTIONS,
    ),
    _Mail(
        "kf-chat",
        0.04,
        KINETIC_RECRUITER,
        "Kinetic Foods - schedule a time to chat?",
        "Hi Jordan,\n\nThanks for your application! Do you have 20 minutes tomorrow or "
        "Thursday for an introductory call about the Supply Chain Data Analyst role?\n\nAma",
        reply_to="kf-applied",
    ),
)


def demo_messages(now: datetime, *, recipient: str = DEMO_RECIPIENT) -> list[dict]:
    """Return about 60 emails from the last 30 days, oldest first, ready for `deliver`."""
    return _render(_SEED, now, recipient)


def demo_followups(now: datetime, *, recipient: str = DEMO_RECIPIENT) -> list[dict]:
    """Return a dozen later emails (dated just before ``now``), oldest first, that advance the
    seeded applications; deliver them after `demo_messages` in the same mailbox."""
    return _render(_FOLLOWUPS, now, recipient)


def _render(mails: tuple[_Mail, ...], now: datetime, recipient: str) -> list[dict]:
    ordered = sorted(mails, key=lambda mail: -mail.hours_ago)
    return [_as_delivery(mail, now, recipient) for mail in ordered]


def _as_delivery(mail: _Mail, now: datetime, recipient: str) -> dict:
    sender = mail.sender.replace(DEMO_RECIPIENT, recipient)
    message: dict[str, object] = {
        "from": sender,
        "to": recipient if mail.labels != SENT else _reply_target(mail),
        "subject": mail.subject,
        "date": (now - timedelta(hours=mail.hours_ago)).isoformat(),
        "body": mail.body,
        "messageId": _message_id(mail.key),
        "labelIds": list(mail.labels),
    }
    if mail.reply_to:
        reference = _message_id(mail.reply_to)
        message["headers"] = {"In-Reply-To": reference, "References": reference}
    return message


def _reply_target(mail: _Mail) -> str:
    answered = next(m for m in _SEED if m.key == mail.reply_to)
    return answered.sender


def _message_id(key: str) -> str:
    return f"<demo-{key}@mail.sandbox.example>"
