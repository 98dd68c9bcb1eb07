"""Independently written phrasings ("families") of every kind of email in the synthetic corpus.

Each family is a pair: subject lines and core paragraphs written in one voice. Families are split
between training, calibration and test by position, so the test set's wording was never trained on.
"""

# ruff: noqa: E501
from __future__ import annotations

Family = tuple[tuple[str, ...], tuple[str, ...]]

APPLIED: tuple[Family, ...] = (
    (
        ("Application Received", "Application Received - {role}"),
        (
            "Thank you for applying to {company}! We have received your application for the {role} "
            "position and our team will review it shortly.",
            "We've received your application for {role}. Thank you for your interest in {company}.",
        ),
    ),
    (
        ("Thank you for applying to {company}", "Thanks for applying, {first}!"),
        (
            "Thanks for applying for the {role} role at {company}. Our recruiting team is reviewing "
            "applications now and will be in touch if your background is a match.",
        ),
    ),
    (
        ("Your application to {company}", "{company} | Application confirmation"),
        (
            "This email confirms that your application for {role} was submitted successfully. "
            "No further action is needed from you right now.",
            "Your application for the position of {role} has been submitted. We will contact you if "
            "your qualifications match our needs.",
        ),
    ),
    (
        ("We got your application!", "{role} application: received"),
        (
            "Just a quick note to let you know your application made it to us. A real human on the "
            "{company} hiring team reads every one, so it may take a week or two to hear back.",
        ),
    ),
    (
        ("Application for {role}", "Your {company} application"),
        (
            "We wanted to confirm receipt of your application for {role}. Your application is under "
            "review and we will update you as soon as we can.",
            "Thank you for submitting your application for the {role} opening. Our talent team is "
            "reviewing your qualifications.",
        ),
    ),
    (
        ("Thank you for your application", "Thanks for your interest in {company}"),
        (
            "Thank you for your interest in joining {company}. We are currently reviewing your "
            "application for {role} and will reach out regarding next steps if there is a fit.",
        ),
    ),
    (
        ("Application submitted: {role} at {company}",),
        (
            "Your application was sent to {company}. Good luck! You applied for {role} on {date}.",
            "Application submitted. {company} has received your application for {role}. You can track "
            "its status from your applications page.",
        ),
    ),
    (
        ("{company}: we've received your application",),
        (
            "Hi from the {company} recruiting team! This is to let you know that we've received your "
            "application for {role}. Given the volume of applications, please allow up to three weeks "
            "for a response.",
        ),
    ),
    (
        ("Confirmation of your application",),
        (
            "We are writing to acknowledge receipt of your application for the {role} vacancy "
            "(ref. {job_id}). Shortlisted candidates will be contacted directly.",
        ),
    ),
    (
        ("Thanks for applying to {company}",),
        (
            "Woohoo, your application is in! Our team looks at every application for {role} and we "
            "will get back to you either way.",
        ),
    ),
    (
        ("Your candidacy for {role}",),
        (
            "Thank you for your candidacy for {role} at {company}. We have your materials and the "
            "hiring manager will be reviewing your application over the coming days.",
        ),
    ),
    (
        ("Application update: received", "We have your application"),
        (
            "Your application has been received and is now with the hiring team for {role}. "
            "We aim to respond to every applicant within ten business days.",
        ),
    ),
    (
        ("{first}, your application was received",),
        (
            "Thank you for taking the time to apply for {role}. We will carefully consider your "
            "application and get back to you soon.",
        ),
    ),
    (
        ("Successfully applied: {role}",),
        (
            "You successfully submitted your application for {role} at {company} through our careers "
            "site. Keep an eye on your inbox for updates from our team.",
        ),
    ),
    (
        ("Re: {role} application", "Received - thank you!"),
        (
            "Thanks so much for sending over your resume for the {role} role. I have passed it along to "
            "the hiring manager and will follow up once they have had a look.",
        ),
    ),
    (
        ("Thank you for applying!",),
        (
            "We appreciate you applying for {role}. Our recruiters will review your profile and "
            "experience and reach out if we would like to move forward.",
        ),
    ),
    (
        ("Got it - thanks!", "Your resume"),
        (
            "Thanks for reaching out and sharing your resume for {role}. I've added you to our pipeline "
            "and the team will take a look this week.",
        ),
    ),
    (
        ("We're reviewing your application",),
        (
            "Hello from {company}! Your application for {role} is in our queue. We review applications "
            "in the order they arrive and will be in touch about next steps.",
        ),
    ),
    (
        ("Application acknowledgement",),
        (
            "This message acknowledges that we received your job application (requisition {job_id}). "
            "A member of our recruiting team will review it against the requirements of the role.",
        ),
    ),
    (
        ("You applied to {company}",),
        (
            "Nice work, {first}! You applied to {role} at {company}. The employer has your resume and "
            "cover letter; we'll let you know if they view your application.",
        ),
    ),
)

INTERVIEWING: tuple[Family, ...] = (
    (
        ("Let's schedule a time to chat", "{company} - next steps"),
        (
            "Thanks for applying to {company}! I'd love to schedule a time to chat about the {role} role. "
            "Are you free for a 30 minute call this week?",
        ),
    ),
    (
        ("Interview invitation: {role}", "Invitation to interview with {company}"),
        (
            "We were impressed by your background and would like to invite you to interview for the "
            "{role} position. Please use the link below to pick a slot that works for you: {link}",
        ),
    ),
    (
        ("Phone screen with {company}", "{role} - phone screen"),
        (
            "I'm reaching out to set up a 30-minute phone screen for the {role} position. Could you send "
            "me a few times that work for you next week?",
            "The hiring team would like to move you forward to a phone screen. Please share your "
            "availability for next week.",
        ),
    ),
    (
        ("Your interview is confirmed", "Interview confirmation - {role}"),
        (
            "Your interview for {role} is confirmed for {day} at {time}. You will meet with {recruiter} "
            "on Zoom; the link is in the calendar invite.",
        ),
    ),
    (
        ("Next steps for {role}", "Moving forward with your application"),
        (
            "Good news: the hiring manager reviewed your application and would like to speak with you. "
            "Please book a time with me using my Calendly link: https://calendly.com/{recruiter_user}",
        ),
    ),
    (
        ("Technical assessment for {role}", "{company} coding challenge"),
        (
            "As the next step in our process, we'd like you to complete a take-home assignment. "
            "You will have 72 hours once you open the HackerRank link.",
            "Please complete the online coding assessment on CodeSignal within the next five days.",
        ),
    ),
    (
        ("Onsite interview - {company}", "Final round interviews"),
        (
            "We'd like to invite you to our final round: four 45-minute conversations with the team on "
            "{day}. I'll send the agenda and the names of your interviewers shortly.",
        ),
    ),
    (
        ("Rescheduling our call", "Need to reschedule your interview"),
        (
            "Unfortunately {recruiter} has a conflict on {day}. Would you be able to reschedule the "
            "interview to {day} at {time} instead? Sorry for the shuffle.",
            "Could we move our conversation to {time} on {day}? Something came up on my side.",
        ),
    ),
    (
        ("Quick chat about {role}?", "Re: {role} at {company}"),
        (
            "Thanks for your note! Your experience looks like a strong match for what we need. "
            "Do you have time for a quick call on {day} or {day2}?",
        ),
    ),
    (
        ("Video interview with {company}",),
        (
            "You have been invited to a one-way video interview for {role}. Please record your answers "
            "by {date} using the link below.",
        ),
    ),
    (
        ("{company} interview - availability", "Availability for interviews"),
        (
            "We'd like to set up interviews with the team for the {role} opening. Could you fill in your "
            "availability for the next two weeks here: {link}",
        ),
    ),
    (
        ("Meet the {company} team",),
        (
            "The team enjoyed your phone screen and would like you to come in and meet the team for a "
            "technical interview and a systems design session.",
        ),
    ),
    (
        ("Interview scheduled: {role}", "Calendar: {role} interview"),
        (
            "Your interview has been scheduled. When: {day}, {time}. Where: Google Meet. Interviewer: "
            "{recruiter}, Engineering Manager.",
        ),
    ),
    (
        ("Next round with {company}",),
        (
            "Congratulations on moving to the next round! The next step is a 60-minute pairing session "
            "with one of our engineers. Please let me know your availability.",
        ),
    ),
    (
        ("Following up on your application",),
        (
            "I came across your application for {role} and would love to learn more about your "
            "background. Would you be open to a short call sometime this week?",
        ),
    ),
    (
        ("Hiring manager conversation",),
        (
            "The hiring manager would like to meet you for a 45-minute conversation about the {role} "
            "team. Let me know what times work and I will send an invite.",
        ),
    ),
    (
        ("Case study for {role}",),
        (
            "Thanks again for your time with the panel. The next step is a short case study that you "
            "will present to the team on {day}. The brief is attached.",
        ),
    ),
    (
        ("Can we find a time to talk?",),
        (
            "I'm a recruiter at {company} and I reviewed your application for {role}. Let's find a time "
            "to talk through the role and your goals. Does {day} afternoon work?",
        ),
    ),
    (
        ("Interview loop details",),
        (
            "Here is the plan for your interview loop on {day}: a coding session at {time}, lunch with "
            "the team, then a system design interview. Reply if you need any accommodations.",
        ),
    ),
    (
        ("Your interview with {company} tomorrow",),
        (
            "Just a reminder that you are speaking with {recruiter} tomorrow at {time}. Dial-in details "
            "are below. Good luck!",
        ),
    ),
)

OFFER: tuple[Family, ...] = (
    (
        ("Offer - {role} at {company}", "Your offer from {company}"),
        (
            "I am thrilled to extend an offer for the {role} position at {company}! Your offer letter is "
            "attached; please review it and let me know if you have any questions.",
        ),
    ),
    (
        ("Offer of employment", "{company} offer letter"),
        (
            "We are pleased to offer you the position of {role}. The attached offer of employment "
            "describes your base salary of {amount}, benefits and proposed start date of {date}.",
        ),
    ),
    (
        ("Great news from {company}!", "Congratulations, {first}!"),
        (
            "Congratulations! The team loved meeting you and we would like to extend you an offer to "
            "join us as {role}. I will call you tomorrow to walk through the details.",
        ),
    ),
    (
        ("Your offer is ready to review", "Action required: review your offer"),
        (
            "Your offer for {role} is ready. Please review and sign it in the candidate portal by {date}: "
            "{link}",
        ),
    ),
    (
        ("Verbal offer follow-up",),
        (
            "Following up on our call today, here is the written summary of the offer: base salary of "
            "{amount}, a signing bonus, and equity. We'd love to have you on the team.",
        ),
    ),
    (
        ("Offer details for {role}",),
        (
            "As discussed, the compensation package for the {role} role includes a base salary of "
            "{amount} plus an annual bonus target of 10%. The formal offer letter will follow.",
        ),
    ),
    (
        ("Welcome to {company} - offer enclosed",),
        (
            "On behalf of everyone at {company}, I'm delighted to offer you the {role} role. "
            "Please countersign the attached letter to accept the offer.",
        ),
    ),
    (
        ("Updated offer",),
        (
            "We took your feedback to heart and have revised the offer: the base salary is now "
            "{amount} and the sign-on bonus has been increased. Let us know if this works for you.",
        ),
    ),
    (
        ("We'd like you to join {company}",),
        (
            "After speaking with everyone on the panel, we are excited to offer you the job! Your "
            "contract and offer package are attached for you to review.",
        ),
    ),
    (
        ("{company} - job offer",),
        (
            "It gives me great pleasure to make you a job offer for the {role} position. Please confirm "
            "whether you accept this offer by {date}.",
        ),
    ),
    (
        ("Offer letter attached",),
        (
            "Attached is your offer letter for {role}, including your start date, salary and equity grant. "
            "Signing is done through DocuSign.",
        ),
    ),
    (
        ("Formal offer: {role}",),
        (
            "We're happy to make it official: {company} would like to hire you as our next {role}. The "
            "formal offer, with a salary of {amount}, is in your inbox for e-signature.",
        ),
    ),
    (
        ("Offer from {company} - next steps",),
        (
            "We are excited to move forward with an offer for the {role} role! Before we send the "
            "official paperwork, could you confirm your preferred start date?",
        ),
    ),
    (
        ("Your compensation details",),
        (
            "Here is the breakdown of your offer for {role}: {amount} base, stock options vesting over "
            "four years, and a relocation stipend. The offer is valid until {date}.",
        ),
    ),
    (
        ("Good news about {role}",),
        (
            "I'm happy to share that the team would like to bring you on board as {role}! I'll send over "
            "the paperwork today with salary, benefits and a start date for you to review.",
        ),
    ),
)

REJECTED: tuple[Family, ...] = (
    (
        ("Update on your application", "Your application to {company}"),
        (
            "Thank you for your interest in {company}. After careful consideration, we have decided to "
            "move forward with other candidates for the {role} position.",
        ),
    ),
    (
        ("{role} - application status", "Regarding your application"),
        (
            "We regret to inform you that we will not be moving forward with your application for "
            "{role} at this time.",
        ),
    ),
    (
        ("Thank you for your time", "Following up on your interviews"),
        (
            "Thank you for taking the time to interview with us. Unfortunately, the team has decided to "
            "pursue other candidates whose experience more closely matches the role.",
        ),
    ),
    (
        ("Position update", "{role} position update"),
        (
            "We wanted to let you know that the {role} position has been filled. We appreciate your "
            "interest and encourage you to apply for future openings.",
            "The role you applied for has been filled, so we are closing out remaining applications.",
        ),
    ),
    (
        ("Your {company} application",),
        (
            "While your background is impressive, we won't be moving forward with your candidacy. "
            "We will keep your resume on file and reach out if a better-matched role opens up.",
        ),
    ),
    (
        ("Application decision",),
        (
            "After reviewing your application carefully, we have decided not to proceed with your "
            "application for {role}. We wish you the best in your search.",
        ),
    ),
    (
        ("Re: {role} interview",),
        (
            "Thanks again for chatting with the team last week. I'm sorry to share that we've decided to "
            "go with another candidate for this role. It was a tough decision.",
        ),
    ),
    (
        ("An update from {company}",),
        (
            "We received many strong applications and unfortunately we are unable to offer you a "
            "position at this time. We wish you luck in your job search.",
        ),
    ),
    (
        ("Thank you for applying to {company}",),
        (
            "We appreciate your application for {role}. Although your skills are impressive, you have "
            "not been selected to continue in the hiring process.",
        ),
    ),
    (
        ("Status of your candidacy",),
        (
            "Your application for {role} is no longer under consideration. This decision is final and "
            "we are not able to provide individual feedback.",
        ),
    ),
    (
        ("{company} recruiting update",),
        (
            "After a lot of discussion the team felt it was not the right fit at this time, so we will "
            "not be moving forward. Thanks for the energy you brought to the conversations.",
        ),
    ),
    (
        ("Your interview with {company}",),
        (
            "I wanted to personally let you know that we have decided to move forward with another "
            "candidate for the {role} role. Thank you for all the time you put into our process.",
        ),
    ),
    (
        ("Closing the loop",),
        (
            "I'm closing the loop on your application for {role}: the team has chosen to move in a "
            "different direction and we won't be proceeding with next steps.",
        ),
    ),
    (
        ("Regarding the {role} opening",),
        (
            "We have completed our review and will not be proceeding with your application. We will "
            "keep your information on file for future opportunities that match your profile.",
        ),
    ),
    (
        ("Thanks for your interest",),
        (
            "Thank you for your interest in the {role} role. We've reviewed your application and "
            "decided to move forward with candidates whose experience better aligns with our needs.",
        ),
    ),
    (
        ("Application for {role}",),
        (
            "This was a highly competitive search and we were not able to advance your candidacy. We "
            "hope you will consider {company} again in the future.",
        ),
    ),
    (
        ("Your application status has changed",),
        (
            "The status of your application for {role} has been updated to: Not selected. Thank you "
            "for considering a career with {company}.",
        ),
    ),
    (
        ("Feedback on your take-home",),
        (
            "Thank you for completing the assignment. The team reviewed it carefully and unfortunately "
            "we have decided not to move forward to the onsite stage.",
        ),
    ),
    (
        ("Your candidacy at {company}",),
        (
            "We have reviewed your profile for the {role} opening and, regrettably, we will not be "
            "taking your application further at this stage.",
        ),
    ),
    (
        ("{role} update",),
        (
            "Thanks for your patience. The hiring manager has made a decision for the role and, sadly, "
            "it wasn't in your favour this time. I'd be glad to stay in touch for future roles.",
        ),
    ),
)

NONE: tuple[Family, ...] = (
    (
        ('{n} new jobs for "{role}"', "Jobs you may like"),
        (
            "Jobs you may like based on your profile:\n{role} - {other_company} - {city}\n{role2} - "
            "{company} - Remote\nSee all jobs. Manage your job alerts. Unsubscribe.",
        ),
    ),
    (
        ("{role} jobs in {city}", "Your job alert for {role}"),
        (
            "{n} new jobs match your job alert. {role} at {company}: Easily apply. {role2} at "
            "{other_company}: Actively recruiting. View all jobs on Indeed.",
        ),
    ),
    (
        ("Companies are hiring for {role}", "Jobs recommended for you"),
        (
            "Recommended jobs: {company} is hiring a {role} in {city}. Rating 4.2. Salary estimate "
            "{amount}. Read reviews from employees before you apply. Unsubscribe from these emails.",
        ),
    ),
    (
        (
            "Your profile was viewed by {n} people",
            "{first}, you appeared in {n} searches this week",
        ),
        (
            "A recruiter at {company} viewed your profile. See who viewed your profile and how you "
            "compare to other applicants. Try Premium free for one month.",
        ),
    ),
    (
        ("The Hiring Insider: {n} interview tips", "This week in tech hiring"),
        (
            "In this week's newsletter: how to prepare for a technical interview, what recruiters look "
            "for in a resume, and the companies hiring most. Read the full issue online.",
        ),
    ),
    (
        ("We have received your credit card application", "Your Platinum Card application"),
        (
            "Thank you for applying for the Platinum Rewards credit card. We have received your "
            "application and will notify you of our decision within 7-10 business days.",
        ),
    ),
    (
        ("Loan application received", "Your mortgage application"),
        (
            "Your personal loan application has been received. A loan officer will review your "
            "documents and contact you if anything else is needed.",
        ),
    ),
    (
        ("Rental application received", "Your application for Unit 4B"),
        (
            "Thank you for submitting a rental application for the apartment at 12 Elm Street. The "
            "leasing office will review your application and run a background check.",
        ),
    ),
    (
        ("Application received - Fall admission", "Your graduate school application"),
        (
            "Thank you for applying to the Master of Science program. Your application is complete and "
            "will be reviewed by the admissions committee. Decisions are released in March.",
        ),
    ),
    (
        ("A special offer just for you", "We'd like to extend an exclusive offer"),
        (
            "As a valued customer, we'd like to extend a special offer: 30% off your next order with "
            "promo code SAVE30. This limited time offer ends Sunday.",
        ),
    ),
    (
        ("Interview with the CEO of {company}", "Podcast: an interview with our founder"),
        (
            "In this episode we sit down for an interview with the CEO of {company} to talk about "
            "leadership, hiring and the future of the industry. Listen now.",
        ),
    ),
    (
        ("Webinar: Ace your next interview", "Register now: hiring trends webinar"),
        (
            "Join our free webinar on {day} at {time} where recruiters share how to stand out in "
            "interviews. Save your seat today, spots are limited.",
        ),
    ),
    (
        ("Open enrollment starts Monday", "Reminder: performance reviews due"),
        (
            "Hi team, benefits open enrollment begins Monday. Please review your health plan choices in "
            "Workday before the deadline. Reach out to HR with questions.",
            "Performance review season is here. Please complete your self-review in Workday by {date} "
            "and schedule a time with your manager to discuss it.",
        ),
    ),
    (
        ("Reset your password", "Password reset request"),
        (
            "We received a request to reset the password for your candidate account. Click the link "
            "below to choose a new password. If you didn't request this, ignore this email.",
        ),
    ),
    (
        ("Verify your email address",),
        (
            "Please verify your email address to finish creating your careers account. Your "
            "verification code is 482913.",
        ),
    ),
    (
        ("Can we schedule a time to chat about Q3?", "Quick sync on the roadmap"),
        (
            "Hey, can we schedule a time to chat about the Q3 roadmap and the migration plan? "
            "Thursday afternoon works for me.",
        ),
    ),
    (
        ("New candidate for {role}", "New application: {role}"),
        (
            "{first2} {last2} applied for {role} (Engineering). Review the candidate's resume and "
            "leave your feedback in Greenhouse. You are receiving this because you are on the hiring "
            "team.",
        ),
    ),
    (
        ("Interview feedback due", "Scorecard reminder for {first2} {last2}"),
        (
            "Please submit your scorecard for the interview you conducted with {first2} {last2} for the "
            "{role} role. Feedback is due within 24 hours.",
        ),
    ),
    (
        ("Your order has been received", "Order confirmation #{job_id}"),
        (
            "Thanks for your order! We've received it and will send a shipping confirmation when your "
            "items are on the way.",
        ),
    ),
    (
        ("Volunteer application received",),
        (
            "Thank you for applying to volunteer at the community food bank. Our volunteer coordinator "
            "will contact you about orientation dates.",
        ),
    ),
    (
        ("Dinner on Friday?", "Photos from the weekend"),
        (
            "Hey! Are you around on Friday for dinner? Sam and I were thinking of trying the new Thai "
            "place. Let me know!",
            "Here are the photos from the hike. The view from the top was amazing.",
        ),
    ),
    (
        ("Your pull request was rejected", "Build failed on main"),
        (
            "Your pull request #{n} was closed without merging. Reviewer comment: please rebase and split "
            "this into smaller changes.",
        ),
    ),
    (
        ("Your expense report was rejected",),
        (
            "Your expense report for the Berlin trip was rejected by your manager. Reason: missing "
            "receipt for the hotel. Please resubmit in the expense tool.",
        ),
    ),
    (
        ("Your application is live!", "Deploy succeeded"),
        (
            "Your application web-prod was deployed successfully to region us-east. View build logs "
            "in the dashboard.",
        ),
    ),
    (
        ("Hot jobs this week", "Top {role} roles from our agency"),
        (
            "Our agency is working on several exciting {role} openings in {city}. Reply with your "
            "updated CV if you are interested, or forward to a friend. Unsubscribe here.",
        ),
    ),
    (
        ("Career fair on {day}", "Invitation: tech career fair"),
        (
            "Meet recruiters from {n} companies at our virtual career fair. Bring your resume and "
            "register now to get matched with employers.",
        ),
    ),
    (
        ("Your statement is ready", "Payment received"),
        (
            "Your monthly statement is now available online. Your payment of {amount} was received. "
            "Thank you for banking with us.",
        ),
    ),
    (
        ("Scholarship application update", "Visa application appointment"),
        (
            "Your scholarship application has been received and is under review by the committee. We "
            "will notify all applicants by {date}.",
        ),
    ),
    (
        ("Offer ends tonight", "Your exclusive member offer"),
        (
            "Last chance! Our biggest offer of the year ends tonight: get two months free when you "
            "upgrade to annual. Terms apply.",
        ),
    ),
    (
        ("Meeting notes: hiring plan", "Headcount planning for Q4"),
        (
            "Attached are the notes from today's hiring plan meeting. We agreed to open two {role} reqs "
            "and to interview candidates in October.",
        ),
    ),
    (
        ("Salary insights for {role}", "How much do {role}s make?"),
        (
            "See salary insights for {role} in {city}: the average base salary is {amount}. Compare "
            "offers and read interview questions shared by the community.",
        ),
    ),
    (
        ("Welcome to the team, {first2}!", "Please welcome our new {role}"),
        (
            "Please join me in welcoming {first2} {last2}, who joins us this week as our new {role}. "
            "Say hi in the team channel!",
        ),
    ),
    (
        ("Your Workday inbox: action required",),
        (
            "You have a new task in Workday: approve time off request for {first2} {last2}. Log in to "
            "complete the task.",
        ),
    ),
    (
        ("Complete your profile to get discovered",),
        (
            "Recruiters search for candidates like you every day. Add your skills and work history "
            "so employers can find you. Your profile is 60% complete.",
        ),
    ),
    (
        ("Re: conference talk proposal", "Your talk submission"),
        (
            "Thank you for your submission to the conference. The program committee has received your "
            "proposal and will announce accepted talks next month.",
        ),
    ),
    (
        ("Reminder: team offsite",),
        (
            "Reminder that the team offsite is on {day}. Lunch is provided; please fill in the dietary "
            "form by tomorrow.",
        ),
    ),
    (
        ("Newsletter: the state of remote work",),
        (
            "This month: why companies are rethinking remote work, an interview with a hiring manager at "
            "{company}, and five tips for negotiating your salary. Unsubscribe anytime.",
        ),
    ),
    (
        ("Thanks for your feedback",),
        (
            "Thank you for completing our customer survey. Your feedback helps us improve our service.",
        ),
    ),
    (
        ("Grant application received",),
        (
            "We confirm receipt of your grant application for the community arts fund. Applicants will be "
            "notified of the outcome after the panel meets.",
        ),
    ),
    (
        ("Your insurance quote",),
        (
            "Here is the quote you requested for home insurance. Reply to this email if you'd like to "
            "apply or have questions about coverage.",
        ),
    ),
    (
        ("Membership application received", "Welcome to the gym!"),
        (
            "We have received your membership application. Your gym card will be ready for pickup at "
            "the front desk within two business days.",
        ),
    ),
    (
        ("Your passport application", "Application status: in process"),
        (
            "Your passport application has been received and is being processed. Routine service takes "
            "six to eight weeks.",
        ),
    ),
    (
        ("Thanks for applying for our rewards program",),
        (
            "Thank you for applying for the rewards program. We have received your application and your "
            "points will start to accumulate with your next purchase.",
        ),
    ),
    (
        ("Your club application",),
        (
            "Thanks for applying to join the running club! The committee reviews applications monthly "
            "and will let you know soon.",
        ),
    ),
    (
        ("{n} jobs at {company} you might like", "Don't miss these {role} roles"),
        (
            "Based on your recent searches, these roles could be a match: {role} at {company}, {role2} "
            "at {other_company}. Apply with one click. You are receiving this job alert because you "
            "signed up for it.",
        ),
    ),
    (
        ("Schedule a time to chat with your advisor",),
        (
            "Your financial advisor would like to schedule a time to chat about your retirement plan. "
            "Book a slot in the client portal.",
        ),
    ),
    (
        ("Your recruiter account", "Welcome to {company} Talent Community"),
        (
            "Thanks for joining our talent community! We'll email you about events and new openings "
            "that match your interests. You can update your preferences anytime.",
        ),
    ),
    (
        ("Internal mobility: new roles posted",),
        (
            "New internal openings this week: {role} in {city} and {role2}. Employees can apply through "
            "the internal job board. Talk to your manager before applying.",
        ),
    ),
    (
        ("Candidate withdrew", "{first2} {last2} accepted the offer"),
        (
            "{first2} {last2} accepted our offer for {role}! Thanks to everyone on the interview panel. "
            "Please close out any remaining scorecards.",
        ),
    ),
    (
        ("Your subscription offer",),
        (
            "We'd love to extend an offer to you: upgrade to premium for half price this month. Cancel "
            "anytime.",
        ),
    ),
)

FAMILIES: dict[str, tuple[Family, ...]] = {
    "applied": APPLIED,
    "interviewing": INTERVIEWING,
    "offer": OFFER,
    "rejected": REJECTED,
    "none": NONE,
}

# Senders for each "none" family kind that needs a specific one (by keyword in its first subject).
NONE_SENDERS = (
    "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
    "Indeed <alert@indeed.com>",
    "Glassdoor Jobs <noreply@glassdoor.com>",
    "LinkedIn <notifications-noreply@linkedin.com>",
    "The Hiring Insider <newsletter@hiringinsider.com>",
    "Platinum Rewards <cards@firstnationalbank.com>",
    "Harbor Credit Union <loans@harborcu.org>",
    "Elm Street Apartments <leasing@elmstreetliving.com>",
    "Graduate Admissions <admissions@stateuniversity.edu>",
    "ShopMart <deals@shopmart.com>",
    "Founders Podcast <hello@founderspodcast.fm>",
    "CareerCon <events@careercon.io>",
    "People Team <hr@{my_domain}>",
    "{company} Careers <no-reply@{slug}.greenhouse.io>",
    "Careers Portal <noreply@myworkday.com>",
    "{colleague} <{colleague_user}@{my_domain}>",
    "Greenhouse <no-reply@greenhouse.io>",
    "Greenhouse <no-reply@greenhouse.io>",
    "Bookshop <orders@bookshop.com>",
    "Food Bank <volunteer@cityfoodbank.org>",
    "{colleague} <{colleague_user}@gmail.com>",
    "GitHub <notifications@github.com>",
    "Expensify <concierge@expensify.com>",
    "Heroku <noreply@heroku.com>",
    "TechStaff Agency <jobs@techstaffagency.com>",
    "Handshake <events@joinhandshake.com>",
    "First National Bank <statements@firstnationalbank.com>",
    "Scholarship Office <awards@stateuniversity.edu>",
    "StreamFlix <offers@streamflix.com>",
    "{colleague} <{colleague_user}@{my_domain}>",
    "Glassdoor <noreply@glassdoor.com>",
    "{colleague} <{colleague_user}@{my_domain}>",
    "Workday <{my_slug}@myworkday.com>",
    "Wellfound <team@wellfound.com>",
    "DevConf <cfp@devconf.org>",
    "{colleague} <{colleague_user}@{my_domain}>",
    "Remote Weekly <newsletter@remoteweekly.com>",
    "SurveyCo <survey@surveyco.com>",
    "Arts Fund <grants@cityartsfund.org>",
    "SafeHome Insurance <quotes@safehome.com>",
    "City Gym <members@citygym.com>",
    "Passport Services <noreply@travel.state.gov>",
    "ShopMart Rewards <rewards@shopmart.com>",
    "Riverside Runners <club@riversiderunners.org>",
    "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
    "Summit Wealth <advisor@summitwealth.com>",
    "{company} Talent Community <talent@{domain}>",
    "Internal Careers <careers@{my_domain}>",
    "Greenhouse <no-reply@greenhouse.io>",
    "StreamFlix <offers@streamflix.com>",
)
