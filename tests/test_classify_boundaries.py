"""Issue 18's newsletter round and later rounds: pack rules at the "mainly about" boundary.

Each rule has the cases it was written for and a guard beside it: the case next to it that must
keep its label (or stay without). Invented headlines only. One table, one test: each row names
its rule and what it shows; the comment above each rule's rows says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.classify import classify


@dataclass(frozen=True)
class Case:
    shows: str  # what the row shows, also its test id
    label: str
    given: bool  # the label must be given (True) or withheld (False)
    title: str
    summary: str = ""


CASES = [
    # newsletters: A newsletter's summary that lists its other stories is no lead (issue 18,
    # GUIDELINES G29, G30). Invented headlines only. "Also in today's newsletter, ..." lists the
    # day's other stories; the North named there is one line of a roundup whose title is about
    # something else (G29), so those lines give no label. A newsletter whose title names the
    # North's event keeps its label from the title (G30), and a vague title with a lead of its own
    # still reads the lead (G0).
    Case(
        "the_other_stories_of_a_newsletter_give_no_label-1",
        "diplomacy",
        False,
        "Morning digest: Chipmaker shares jump on record orders",
        (
            "Also in today's newsletter, Putin accepts Kim Jong Un's invitation to visit "
            "Pyongyang and Brussels opens a probe into steel subsidies"
        ),
    ),
    Case(
        "the_other_stories_of_a_newsletter_give_no_label-2",
        "diplomacy",
        False,
        "Morning digest: Dockworkers strike across three ports",
        (
            "Also in today's newsletter, Washington warns that North Korea and Russia are"
            " advancing arms talks and a heatwave grips southern Europe"
        ),
    ),
    Case(
        "the_other_stories_of_a_newsletter_give_no_label-3",
        "diplomacy",
        False,
        "Morning digest: US sailor held in North Korea after crossing the border",
        (
            "Also in today's newsletter, the president meets his Brazilian counterpart "
            "for talks and oil prices climb"
        ),
    ),
    Case(
        "a_newsletter_s_own_story_keeps_its_label-1",
        "diplomacy",
        True,
        "Morning digest: Kim Jong Un to visit Putin for talks on arms",
        "Also in today's newsletter, chip stocks rally and floods hit northern Italy",
    ),
    Case(
        "a_newsletter_s_own_story_keeps_its_label-2",
        "diplomacy",
        True,
        "Tuesday digest",
        ("Putin and Kim Jong Un are to hold talks in Vladivostok this week, the Kremlin said."),
    ),
    # tallies: The habit of testing is not a test (issue 18, GUIDELINES G3). Invented headlines
    # only. A tally of launches ("has launched a record number of missiles this year"), a flurry
    # of tests, regular tests and more tests to come describe the programme, not a particular
    # launch: no `missile-test`. The guards are launch reports whose lead adds such a tally, and a
    # day's record salvo, which keep the label.
    Case(
        "a_tally_or_habit_of_tests_is_no_test_report-1",
        "missile-test",
        False,
        "How North Korea's missile arsenal has changed in five years",
        (
            "The flurry of North Korean missile tests shows the weapons are getting "
            "harder to track, analysts say."
        ),
    ),
    Case(
        "a_tally_or_habit_of_tests_is_no_test_report-2",
        "missile-test",
        False,
        "North Korea: which missiles can reach Guam?",
        ("North Korea has been carrying out regular missile tests as it builds up its arsenal."),
    ),
    Case(
        "a_tally_or_habit_of_tests_is_no_test_report-3",
        "missile-test",
        False,
        "Pyongyang bets on a divided world",
        (
            "Kim Jong Un has launched a record number of missiles this year, counting on "
            "the rift between Washington and Beijing."
        ),
    ),
    Case(
        "a_tally_or_habit_of_tests_is_no_test_report-4",
        "missile-test",
        False,
        "Seoul fears North Korea will conduct additional ballistic missile testing",
        (
            "Officials said the North could conduct more long-range missile tests in the "
            "coming months."
        ),
    ),
    Case(
        "a_launch_report_keeps_its_label_beside_a_tally-1",
        "missile-test",
        True,
        "North Korea fires ballistic missile into the sea, Seoul says",
        (
            "The launch is the latest in a flurry of missile tests this year, the Joint "
            "Chiefs of Staff said."
        ),
    ),
    Case(
        "a_launch_report_keeps_its_label_beside_a_tally-2",
        "missile-test",
        True,
        "North Korea fires a record number of missiles in a single day",
        ("South Korea's military said at least 20 missiles were fired on Wednesday morning."),
    ),
    Case(
        "a_launch_report_keeps_its_label_beside_a_tally-3",
        "missile-test",
        True,
        "North Korea test-fires new cruise missile",
        (
            "State media said the test was part of regular drills; it has launched a "
            "record number of missiles this year."
        ),
    ),
    # not acts: Charges at home, UN reports and rights groups' appeals are no diplomatic acts
    # (issue 18). Invented headlines only. GUIDELINES G15: what follows a detainee's release at
    # home (the charges he faces) is not diplomacy, the release is. G8: a UN report's findings
    # alone are not Council action, a Council meeting on them is. G14: a rights group's appeal to
    # Beijing over repatriations is not a move between governments, a government's protest is.
    Case(
        "no_act_between_governments_gives_no_diplomacy-1",
        "diplomacy",
        False,
        "American freed by North Korea faces fraud charges back home",
        ("The former detainee was released last month and appeared before a judge in Ohio."),
    ),
    Case(
        "no_act_between_governments_gives_no_diplomacy-2",
        "diplomacy",
        False,
        "UN report: North Korea earned record sums from IT workers abroad",
        (
            "A United Nations report seen by reporters says the sanctions monitors found "
            "the North's earnings doubled."
        ),
    ),
    Case(
        "no_act_between_governments_gives_no_diplomacy-3",
        "diplomacy",
        False,
        "Rights groups call on China to halt deportations of North Korean escapees",
        (
            "Rights groups protested outside the Chinese embassy over the forced "
            "repatriation of defectors, urging the United Nations to act."
        ),
    ),
    Case(
        "the_governments_acts_beside_them_keep_diplomacy-1",
        "diplomacy",
        True,
        "North Korea frees detained American after envoy's visit",
        "The man was handed over at the border after talks with a US delegation.",
    ),
    Case(
        "the_governments_acts_beside_them_keep_diplomacy-2",
        "diplomacy",
        True,
        "UN Security Council meets on North Korea's sanctions evasion",
        "Council members discussed new sanctions after the panel's findings.",
    ),
    Case(
        "the_governments_acts_beside_them_keep_diplomacy-3",
        "diplomacy",
        True,
        "South Korea calls on China to halt deportations of North Korean escapees",
        (
            "Seoul's foreign ministry protested the forced repatriation of defectors to "
            "Beijing's ambassador."
        ),
    ),
    # past launches: A launch named as the past of the news, and a failed launch as news (issue
    # 18, G2, G3). Invented headlines only. "The satellite launched last month" names what the
    # item is about (its photos, threats over it), not a launch the item reports: no `missile-
    # test` (G3, G17). A failed launch is a launch report (G2), also when the title names it only
    # as "failed launch". The guards: a new launch whose lead recalls last month's, another
    # country's failed launch.
    Case(
        "the_satellite_launched_last_month_is_no_launch_report",
        "missile-test",
        False,
        "North Korea says jamming its spy satellite would be an act of war",
        (
            "Pyongyang warned that any attempt to jam the reconnaissance satellite "
            "launched last month would be met with force."
        ),
    ),
    Case(
        "a_new_launch_keeps_its_label_beside_last_month_s",
        "missile-test",
        True,
        "North Korea fires ballistic missile into the sea",
        ("The launch comes weeks after an ICBM launched last month flew for more than an hour."),
    ),
    Case(
        "a_failed_launch_is_a_launch_report-1",
        "missile-test",
        True,
        "'Reckless' act, Tokyo says of failed DPRK launch",
    ),
    Case(
        "a_failed_launch_is_a_launch_report-2",
        "missile-test",
        True,
        "Seoul recovers debris after North Korea's launch failure",
    ),
    Case(
        "another_country_s_failed_launch_gives_no_label",
        "missile-test",
        False,
        "South Korea's failed launch sets back its spy satellite plans",
        "Seoul had hoped to match North Korea's reconnaissance satellite this year.",
    ),
    # partners: The North's promises and pledges to Russia and China are diplomacy (issue 18, G12,
    # G13). Invented headlines only. Kim's promise or pledge addressed to Beijing or Moscow (at a
    # parade, in a speech) is a statement on relations with those governments; his pledges about
    # his own arsenal are not, and neither is a promise with no partner named.
    Case(
        "a_promise_to_russia_or_china_is_diplomacy-1",
        "diplomacy",
        True,
        "North Korea's Kim holds torch-lit rally, makes promises to China, Russia",
        ("Soldiers and students marched through the capital on the party's anniversary."),
    ),
    Case(
        "a_promise_to_russia_or_china_is_diplomacy-2",
        "diplomacy",
        True,
        "Kim Jong Un pledges to stand firm with Moscow in speech to party cadres",
        "The speech was carried in full by state television.",
    ),
    Case(
        "kim_s_promises_about_his_own_affairs_are_not-1",
        "diplomacy",
        False,
        "North Korea's Kim holds torch-lit rally, promises more nuclear weapons",
        ("Soldiers and students marched through the capital on the party's anniversary."),
    ),
    Case(
        "kim_s_promises_about_his_own_affairs_are_not-2",
        "diplomacy",
        False,
        "Kim Jong Un pledges to boost farm output at party meeting",
        "The leader told cadres that grain harvests must rise this year.",
    ),
    # detainees: Contact between governments about a detainee is diplomacy (issue 18, GUIDELINES
    # G15). Invented headlines only. The North answering UN officials about a detained foreigner,
    # and a government working to secure a detainee's return (through a protecting power), report
    # contact between governments; the bare incident and the detainee's life at home do not.
    Case(
        "contact_about_a_detainee_is_diplomacy-1",
        "diplomacy",
        True,
        "Pyongyang breaks silence on detained Australian student",
        (
            "North Korea has replied to United Nations officials about the young "
            "Australian held since March, a spokesperson said."
        ),
    ),
    Case(
        "contact_about_a_detainee_is_diplomacy-2",
        "diplomacy",
        True,
        (
            "Canada says it has asked Sweden to help secure the return of a citizen held "
            "in North Korea"
        ),
        "Ottawa has no embassy in Pyongyang and relies on the Swedish mission there.",
    ),
    Case(
        "the_bare_incident_and_the_family_are_not-1",
        "diplomacy",
        False,
        "Australian tourist detained after crossing into North Korea",
        "The student ran across the border during a guided tour, officials said.",
    ),
    Case(
        "the_bare_incident_and_the_family_are_not-2",
        "diplomacy",
        False,
        "Family of Canadian held in North Korea pleads for his return",
        "His mother told reporters she had not heard from him in months.",
    ),
    # programme: The programme's factories and look-alike names are no test (issue 18, GUIDELINES
    # G3). Invented headlines only. Kim ordering more missile production, factories making
    # missiles and launch platforms, and towers in Pyongyang's Hwasong district (the housing
    # district, not the missile) report no test. The guards are launches beside them, which keep
    # `missile-test`.
    Case(
        "factories_and_the_housing_district_are_no_test-1",
        "missile-test",
        False,
        "Kim Jong Un calls for mass production of tactical missiles",
        (
            "The leader toured plants turning out missiles and mobile launch platforms, "
            "state media said."
        ),
    ),
    Case(
        "factories_and_the_housing_district_are_no_test-2",
        "missile-test",
        False,
        "North Korea's Kim opens towers in Hwasong district styled on rockets",
        (
            "Kim Jong Un cut the ribbon on the new flats in the Hwasong district of "
            "Pyongyang, whose spires recall his missiles."
        ),
    ),
    Case(
        "a_launch_beside_them_keeps_its_label-1",
        "missile-test",
        True,
        "North Korea fires missile from new mobile launch platform",
        "The Joint Chiefs of Staff said the missile flew 600 km into the sea.",
    ),
    Case(
        "a_launch_beside_them_keeps_its_label-2",
        "missile-test",
        True,
        ("North Korea test-fires Hwasong-18 after Kim calls for more missile production"),
        "The solid-fuel missile landed outside Japan's exclusive economic zone.",
    ),
    # ministers: Ministers of several governments agreeing over the North are diplomacy (issue 18,
    # G7). Invented headlines only. Foreign ministers who agree or pledge among themselves to act
    # over North Korea make a joint pledge of governments; ministers of one government agreeing on
    # their own affairs, with the North only in passing, do not.
    Case(
        "ministers_agreeing_over_the_north_is_diplomacy",
        "diplomacy",
        True,
        "Three-way framework raises hopes of cooperation on North Korea",
        (
            "The foreign ministers of China, Japan and South Korea agreed on Sunday to "
            "keep in close touch over North Korean issues."
        ),
    ),
    Case(
        "ministers_agreeing_on_their_own_affairs_are_not",
        "diplomacy",
        False,
        "South Korean ministers agree on flood relief for farmers",
        (
            "The package, agreed by finance and farm ministers, also covers towns near "
            "the border with North Korea."
        ),
    ),
    # engagement: A government's policy of engaging the North is diplomacy (issue 18, GUIDELINES
    # G7). Invented headlines only. "Wants to engage North Korea" states a policy of talks toward
    # the North; jets engaging drones that come from the North are no such policy.
    Case(
        "a_policy_of_engaging_the_north_is_diplomacy",
        "diplomacy",
        True,
        "Tokyo wants to engage Pyongyang but lacks a channel",
        "Officials say there is no reliable way to reach the North Korean leader.",
    ),
    Case(
        "engaging_what_comes_from_the_north_is_not",
        "diplomacy",
        False,
        "South Korean jets engage drones flying in from the North",
        "The military said five North Korean drones crossed the border on Monday.",
    ),
    # South Korean Kims: issue 18's seventh round. "Kim" alone counts as the North's leader in
    # an item that names Korea; followed by a given name in the South's romanisation ("Keon",
    # "Hyun", "Seung": the first lady, ministers, athletes) it is a South Korean, and the item
    # is not about the North (G1). Bare "Kim" and the North's officials ("Kim Yong Chol") stay.
    Case(
        "a_kim_with_a_southern_given_name_is_not_the_north-1",
        "diplomacy",
        False,
        "Spanish royals to welcome South Korea's president on a state visit",
        "The president, with first lady Kim Keon Hee, accepted the invitation to Madrid.",
    ),
    Case(
        "a_kim_with_a_southern_given_name_is_not_the_north-2",
        "diplomacy",
        False,
        "Seoul's foreign minister Kim Hyun-soo visits Canberra to discuss trade",
        "South Korea and Australia are expected to sign a minerals agreement.",
    ),
    Case(
        "a_bare_kim_in_a_korea_item_is_still_the_north",
        "diplomacy",
        True,
        "South Korean officials say Kim will visit Moscow for talks with Putin",
        "The trip would be the leader's first abroad in four years.",
    ),
    Case(
        "a_northern_official_named_kim_is_still_the_north",
        "diplomacy",
        True,
        "Kim Yong Chol to visit Seoul for talks on a leaders' summit",
        "The senior official leads a delegation from the Korean peninsula's north.",
    ),
    # Clothes at a launch: issue 18's seventh round. A fashion story whose occasion is a launch
    # (what the leader's family wore or carried there) is no launch report (G17): the words of
    # a fashion story (wardrobe, fashion, handbag, designer label) count against the launch.
    # Not a jacket, a coat or "wears": launch reports mention them too, and those keep their
    # label (a missed launch costs more than a fashion story's false alert).
    Case(
        "what_the_leaders_family_wears_at_a_launch_is_no_launch_report-1",
        "missile-test",
        False,
        "North Korean leader's daughter turns heads with a designer handbag",
        "She carried the imported bag to Friday's missile launch, state media photos showed.",
    ),
    Case(
        "what_the_leaders_family_wears_at_a_launch_is_no_launch_report-2",
        "missile-test",
        False,
        "North Korea's leader's daughter seen in a luxury fashion brand's jacket",
        "The girl wore the imported jacket to Friday's missile launch, state media photos showed.",
    ),
    Case(
        "a_launch_report_that_names_the_leaders_coat_keeps_its_label",
        "missile-test",
        True,
        "North Korea fires new ICBM as Kim watches in a leather coat",
        "The missile flew for 70 minutes before landing in the sea off Japan, Tokyo said.",
    ),
    Case(
        "a_launch_report_that_names_the_leaders_jacket_keeps_its_label",
        "missile-test",
        True,
        "Kim in trademark jacket watches Hwasong-18 launch",
        "State media showed the leader at the launch site, smiling beside the solid-fuel missile.",
    ),
    # issue 18, missed launches: a bare "Kim" who oversees, watches or guides a test or launch is
    # the North's leader; a South Korean Kim has a given name and stays unlabelled
    Case(
        "a_bare_kim_who_oversees_a_missile_test_is_the_north-1",
        "missile-test",
        True,
        "Kim oversees missile test",
    ),
    Case(
        "a_bare_kim_who_oversees_a_missile_test_is_the_north-2",
        "missile-test",
        True,
        "Kim watches cruise missile firing from a hilltop",
    ),
    Case(
        "a_south_korean_kim_who_oversees_a_missile_test_is_not_the_north",
        "missile-test",
        False,
        "Kim Yong-hyun oversees Hyunmoo missile test",
    ),
    Case(
        "a_bare_kim_at_a_product_launch_is_no_missile_test",
        "missile-test",
        False,
        "Kim oversees product launch at phone maker",
    ),
    # a title whose main clause is only the scene (attire, a gesture, who came along) reports
    # what its "as"/"while" clause says; a real main clause keeps the clause background
    Case(
        "a_coat_before_as_leaves_the_launch_the_news",
        "missile-test",
        True,
        "North Korea's Kim wears long grey coat as he oversees missile test",
    ),
    Case(
        "a_smile_before_as_leaves_the_launch_the_news",
        "missile-test",
        True,
        "Kim grins as he watches Hwasong-18 launch",
    ),
    Case(
        "a_daughter_before_while_leaves_the_launch_the_news",
        "missile-test",
        True,
        "Kim Jong Un brings daughter while watching ICBM launch",
    ),
    Case(
        "a_launch_beside_a_summit_stays_background",
        "missile-test",
        False,
        "Kim Jong Un meets Putin in Vladivostok as North Korea fires missile",
    ),
    Case(
        "a_speech_as_he_calls_for_babies_is_no_launch",
        "missile-test",
        False,
        "Kim Jong Un wipes away tears as he urges mothers to raise more children",
    ),
    # headlines drop the article: "North fires" counts where Korea is named
    Case(
        "north_without_the_fires_missiles",
        "missile-test",
        True,
        "North fires three missiles into sea, Seoul says",
    ),
    Case(
        "north_without_korea_named_is_not_the_north",
        "missile-test",
        False,
        "North fires three missiles at Israeli town, army says",
    ),
    # a missile that "fell" in the EEZ reports the launch
    Case(
        "a_missile_that_fell_in_the_eez_is_a_launch",
        "missile-test",
        True,
        "Japan says North Korean missile fell in its EEZ",
    ),
    Case(
        "a_missile_that_fell_out_of_favour_is_no_launch",
        "missile-test",
        False,
        "North Korean missile exports fell last year, UN panel says",
    ),
    # Kim "guides" a launch: not the look-alike "guided missile" of a destroyer
    Case(
        "kim_guides_a_missile_launch",
        "missile-test",
        True,
        "North Korean leader in leather coat as he guides missile launch",
    ),
    Case(
        "a_guided_missile_destroyer_is_no_launch",
        "missile-test",
        False,
        "North Korean guided missile destroyer seen at port",
    ),
    # KCNA's "launching drill", plurals the stemmer kept (SRBMs)
    Case(
        "a_launching_drill_is_a_launch",
        "missile-test",
        True,
        "KCNA: launching drill of tactical nuclear weapons conducted",
    ),
    Case(
        "two_srbms_fired",
        "missile-test",
        True,
        "N. Korea fires 2 SRBMs",
    ),
    Case(
        "south_korea_fires_srbms_is_not_the_north",
        "missile-test",
        False,
        "South Korea fires 2 SRBMs in drill near border",
    ),
    # a launch not made: "may launch", "could fire"
    Case(
        "a_launch_that_may_come_is_no_launch",
        "missile-test",
        False,
        "South Korea's defence minister Kim says North may launch missile soon",
    ),
    # concurrent clauses: a title whose main clause holds nothing of either label and no event
    # of its own ("Seoul stays quiet on ...", "parliament adjourns") reports its news in the
    # "as"/"while" clause beside it, when a launch is there: that clause counts as main. A main
    # clause with evidence of its own keeps the "as" clause as background, and so does one with
    # an event of its own ("docks", "arrives": G5); "amid" stays background, and diplomacy in an
    # "as" clause stays background too (on the real dev set, leaders' messages "as a carrier
    # arrives" and pacts "as she criticises" them are not diplomacy news).
    Case(
        "an_opening_as_clause_holds_the_only_event",
        "missile-test",
        True,
        "As North Korea test-fires cruise missiles, Seoul stays quiet on the missing fisherman",
    ),
    Case(
        "an_as_clause_beside_an_empty_main_clause_is_the_news",
        "missile-test",
        True,
        "Seoul's parliament adjourns early as Pyongyang fires two ballistic missiles",
    ),
    Case(
        "an_own_event_in_the_main_clause_keeps_the_as_clause_background",
        "missile-test",
        False,
        "US aircraft carrier docks in Busan as Pyongyang fires ballistic missiles",
    ),
    Case(
        "a_while_clause_beside_an_empty_main_clause_is_the_news",
        "missile-test",
        True,
        "Seoul's stock market slips while North Korea launches a salvo of short-range missiles",
    ),
    Case(
        "diplomacy_in_the_as_clause_stays_background",
        "diplomacy",
        False,
        "Marines rehearse a beach assault as Kim Jong Un exchanges letters with Putin",
    ),
    Case(
        "a_main_clause_launch_keeps_the_as_clause_meeting_background",
        "diplomacy",
        False,
        "North Korea fires a missile as Kim meets Putin",
    ),
    Case(
        "a_main_clause_dialogue_keeps_the_as_clause_launch_background",
        "missile-test",
        False,
        "Kim says he is ready for dialogue as North Korea fires missiles",
    ),
    Case(
        "an_amid_clause_beside_an_empty_main_clause_stays_background",
        "missile-test",
        False,
        "Seoul stocks slide amid fears North Korea will fire a missile",
    ),
    Case(
        "another_country_s_launch_in_the_as_clause_is_not_the_north_s",
        "missile-test",
        False,
        "Pyongyang stays silent as South Korea launches its own spy satellite",
    ),
    # a programme stepped up is the habit of testing (G3), also in such a clause; a test named
    # beside the words keeps its label
    Case(
        "a_programme_stepped_up_is_no_test",
        "missile-test",
        False,
        "As North Korea ramps up missile tests, Marines rehearse a beach assault",
    ),
    Case(
        "a_programme_stepped_up_is_no_test-2",
        "missile-test",
        False,
        "Tokyo weighs a bigger defence budget as Pyongyang steps up its missile-firing drive",
    ),
    Case(
        "a_test_beside_the_words_keeps_its_label",
        "missile-test",
        True,
        "North Korea ramps up pressure with new ICBM test",
    ),
    Case(
        "a_says_clause_before_the_oversees_clause_is_no_diplomacy",
        "diplomacy",
        False,
        "Kim says nuclear force ready as he oversees ICBM test",
    ),
    Case(
        "a_says_clause_before_the_oversees_clause_keeps_the_test",
        "missile-test",
        True,
        "Kim says nuclear force ready as he oversees ICBM test",
    ),
    # engagement "over" a subject: after a word of talks or of a quarrel between governments
    # ("talks over", "clash over", "at odds over", "split over"), "over" names what they are
    # about, not a background clause: "Biden and Kishida hold talks over North Korea" is
    # diplomacy over the North (G7). Elsewhere "over" still opens background ("... amid anger
    # over", a launch "over" a summit's news), and a quarrel over another subject stays none.
    Case(
        "talks_over_the_north_are_diplomacy_over_it",
        "diplomacy",
        True,
        "Biden and Kishida hold talks over North Korea",
    ),
    Case(
        "an_envoy_s_talks_over_the_north",
        "diplomacy",
        True,
        "US envoy in Seoul for talks over North Korea's nuclear programme",
    ),
    Case(
        "governments_at_odds_over_the_north_s_escapees",
        "diplomacy",
        True,
        "Seoul and Beijing clash over repatriation of North Korean escapees",
    ),
    Case(
        "governments_split_over_the_north",
        "diplomacy",
        True,
        "Security Council members split over North Korea sanctions",
    ),
    Case(
        "talks_over_another_subject_stay_none",
        "diplomacy",
        False,
        "Yoon and Kishida hold talks over wartime labour, amid North Korea threats",
    ),
    Case(
        "a_plain_over_clause_stays_background",
        "diplomacy",
        False,
        "Japan and South Korea agree to resume talks on trade over North Korea concerns",
    ),
    # a government summoning an envoy protests through diplomatic channels (G9, G14): what it
    # summons them "over" is what the protest is about. Kim summoning his own generals is no
    # diplomatic act.
    Case(
        "an_envoy_summoned_over_a_visit_to_pyongyang",
        "diplomacy",
        True,
        "Seoul summons Russian ambassador over Putin's Pyongyang visit",
    ),
    Case(
        "an_envoy_summoned_over_escapees_sent_back",
        "diplomacy",
        True,
        "Tokyo summons Chinese envoy over North Korean escapees sent back",
    ),
    Case(
        "kim_summoning_his_generals_is_no_diplomacy",
        "diplomacy",
        False,
        "Kim Jong Un summons top generals over military readiness",
    ),
    # a launch report whose lead says the test was timed to coincide with a visit names the
    # visit in passing: no diplomacy (G0, G5). A lead that reports the visit as news keeps it.
    Case(
        "a_visit_the_test_coincided_with_is_background",
        "diplomacy",
        False,
        "North Korea test-fires new solid-fuel missile",
        "Analysts said the test was timed to coincide with the visit of a Chinese delegation to"
        " Pyongyang.",
    ),
    Case(
        "a_visit_the_lead_reports_keeps_its_label",
        "diplomacy",
        True,
        "Chinese delegation in Pyongyang",
        "A Chinese delegation arrived in Pyongyang on Monday for talks with North Korean"
        " officials, state media said.",
    ),
    # a relative clause set off by commas (", who held a summit with Putin last month,") says
    # something of a name in passing: background to the sentence's news (G0). The main clause
    # around it keeps its label.
    Case(
        "a_summit_in_a_relative_clause_is_background",
        "diplomacy",
        False,
        "North Korea fires ballistic missile",
        "Kim Jong Un, who held a summit with Putin last month, oversaw the launch, KCNA said.",
    ),
    Case(
        "a_treaty_around_a_relative_clause_keeps_its_label",
        "diplomacy",
        True,
        "Putin in Pyongyang",
        "Putin, who arrived in North Korea on Tuesday, signed a partnership treaty with Kim Jong"
        " Un, state media said.",
    ),
    Case(
        "a_launch_around_a_relative_clause_keeps_its_label",
        "missile-test",
        True,
        "Tense day in Tokyo",
        "North Korea, which has been under sanctions for years, fired an ICBM into the sea on"
        " Friday, Japan's defence ministry said.",
    ),
    # the two Koreas named together ("North and South Korea", "South and North Korea") name
    # the North: their hotlines and talks are inter-Korean measures (G14), and a launch by both
    # is the North's launch too ("South Korea" inside the name is not another country acting).
    # A joint team at a sports event stays none.
    Case(
        "north_and_south_korea_restore_their_hotlines",
        "diplomacy",
        True,
        "North and South Korea reopen liaison hotlines after a year of silence",
    ),
    Case(
        "south_and_north_korea_agree_to_talks",
        "diplomacy",
        True,
        "South and North Korea agree to hold working-level talks at Panmunjom",
    ),
    Case(
        "north_and_south_korea_both_test_missiles",
        "missile-test",
        True,
        "North and South Korea test-fire ballistic missiles within hours of each other",
    ),
    Case(
        "south_korea_alone_testing_stays_another_country_s_launch",
        "missile-test",
        False,
        "South Korea test-fires submarine-launched ballistic missile",
    ),
    Case(
        "the_two_koreas_at_a_sports_event_stay_none",
        "diplomacy",
        False,
        "North and South Korea field a joint hockey team at the Winter Games",
    ),
    # a government's policy toward the North as such is diplomacy (G7): "North Korea policy",
    # "policy on North Korea". The North's own policies ("North Korea's policy", "North Korean
    # policy") are not.
    Case(
        "a_north_korea_policy_review_is_diplomacy",
        "diplomacy",
        True,
        "White House wraps up months-long North Korea policy review",
    ),
    Case(
        "a_policy_on_north_korea_is_diplomacy",
        "diplomacy",
        True,
        "Seoul's new government sets out its policy on North Korea",
        "",
    ),
    Case(
        "the_north_s_own_policy_is_no_diplomacy",
        "diplomacy",
        False,
        "North Korea's policy of self-reliance strains its collective farms",
    ),
    Case(
        "north_korean_policy_makers_are_no_diplomacy",
        "diplomacy",
        False,
        "North Korean policy makers tighten grip on private markets",
    ),
    # a formal end to the Korean War is diplomacy with its other party, the North, also when
    # only the war is named (G21); the war's history, films and veterans are not
    Case(
        "a_formal_end_to_the_war_proposed",
        "diplomacy",
        True,
        "Seoul's president urges a formal end to the Korean War in his UN address",
    ),
    Case(
        "an_end_of_war_declaration_discussed_by_the_allies",
        "diplomacy",
        True,
        "Washington and Seoul near agreement on end-of-war declaration text",
    ),
    Case(
        "the_war_s_anniversary_is_no_diplomacy",
        "diplomacy",
        False,
        "Veterans gather to mark 70 years since the end of the Korean War",
    ),
    # a role someone is named to, with whom it deals ("as special envoy for North Korea"),
    # opens no background clause; "as envoys meet" still does (a concurrent event)
    Case(
        "an_envoy_named_for_the_north",
        "diplomacy",
        True,
        "Washington names veteran diplomat as special envoy for North Korea",
    ),
    Case(
        "envoys_meeting_in_an_as_clause_stay_background",
        "diplomacy",
        False,
        "North Korea fires missile as envoy visits Seoul",
    ),
    # the ruling party's own gatherings are domestic (G11, G17): Kim's speech there is no
    # diplomacy; a foreign envoy received before one still is
    Case(
        "kim_s_speech_at_the_annual_party_gathering_is_domestic",
        "diplomacy",
        False,
        "Kim hails farm and army gains at meeting",
        "The North Korean leader spoke at the opening of the ruling party's key annual gathering.",
    ),
    Case(
        "a_party_congress_opening_is_domestic",
        "diplomacy",
        False,
        "Kim opens party congress with call for a stronger economy",
        "The North Korean leader addressed thousands of delegates in Pyongyang.",
    ),
    Case(
        "an_envoy_received_before_the_party_gathering_stays_diplomacy",
        "diplomacy",
        True,
        "Kim meets Russian envoy ahead of party gathering",
        "Kim Jong Un received a Russian delegation in Pyongyang days before the party congress.",
    ),
    # assets sent to watch for sanctions breaches are enforcement (G10), not a sanctions step;
    # the Council's work on the panel that monitors them stays diplomacy (G8)
    Case(
        "a_patrol_plane_sent_to_monitor_sanctions_is_enforcement",
        "diplomacy",
        False,
        "Canada sends aircraft to Japan to monitor North Korea sanctions",
        "A Canadian patrol plane will fly from Okinawa next month.",
    ),
    Case(
        "the_council_renewing_the_sanctions_panel_stays_diplomacy",
        "diplomacy",
        True,
        "Security Council renews mandate of panel that monitors North Korea sanctions",
        "The vote extends the experts' work for another year.",
    ),
    # the launch of a boat (a new nuclear or attack submarine, its launching ceremony) is a
    # navy's new ship, not a weapons test; a missile fired from a submarine stays a test
    Case(
        "a_nuclear_submarine_launch_is_a_new_boat",
        "missile-test",
        False,
        "Seoul doubts North's nuclear submarine launch",
        "North Korea showed its first attack submarine this week.",
    ),
    Case(
        "a_submarine_launched_missile_stays_a_test",
        "missile-test",
        True,
        "North Korea test-fires nuclear submarine-launched ballistic missile",
        "The missile flew from waters off the east coast.",
    ),
    # an attack or a strike "launched" is no missile launch: a weapon's capability or a threat
    # (G3, G13); a launch report that also threatens one keeps its label, and so does a drill
    # that simulates one (G6)
    Case(
        "a_missile_that_can_launch_a_nuclear_strike_is_no_test",
        "missile-test",
        False,
        "New North Korean missile lets Pyongyang rapidly launch a nuclear strike, expert warns",
        "A passer-by watches a screen at a station in Seoul (AFP via Getty Images)",
    ),
    Case(
        "a_threat_to_launch_a_nuclear_attack_is_no_test",
        "missile-test",
        False,
        "Kim warns of an overwhelming response if provoked",
        (
            "North Korea's leader said his missile forces would not hesitate to launch a "
            "nuclear attack on any enemy that uses nuclear arms against it."
        ),
    ),
    Case(
        "a_launch_report_that_threatens_a_strike_stays_a_test",
        "missile-test",
        True,
        "North Korea fires ICBM, says it is ready to launch a nuclear strike",
    ),
    Case(
        "a_launch_that_simulates_a_nuclear_attack_stays_a_test",
        "missile-test",
        True,
        "Kim oversees launch of missiles simulating a nuclear attack on the South",
    ),
    # "(pictured)" after a name in the lead is no caption opening a clause: what the sentence
    # says of the pictured leader is the lead's main clause ("Pictured: ..." still opens one)
    Case(
        "the_pictured_leader_s_meeting_is_the_lead_s_news",
        "diplomacy",
        True,
        "Military parade in Pyongyang shows off new drones",
        (
            "North Korean leader Kim Jong Un (pictured) was joined by a Russian delegation led "
            "by its defence minister as tanks rolled through the capital."
        ),
    ),
    Case(
        "the_pictured_leader_s_launch_stays_a_test",
        "missile-test",
        True,
        "Kim oversees test of new missile",
        (
            "North Korean leader Kim Jong Un (pictured) watched the launch of a new solid-fuel "
            "missile from a site near Pyongyang, state media said."
        ),
    ),
    # "Singapore" counts as the 2018 summit's city (its summit, statement, "in Singapore"), not
    # as the country: Singapore condemning a launch is one government's reaction (G9)
    Case(
        "singapore_condemning_a_launch_is_a_reaction",
        "diplomacy",
        False,
        "Singapore condemns North Korea's spy satellite launch",
    ),
    Case(
        "the_singapore_statement_stays_diplomacy",
        "diplomacy",
        True,
        "US says North Korea should return to the commitments of the Singapore statement",
    ),
    # a government seeking a detainee's release or return, or wanting the soldier back, is its
    # side of the contact between governments (G15); a family's or a company's request is not
    Case(
        "a_government_wants_its_soldier_back",
        "diplomacy",
        True,
        "Washington rebukes Pyongyang's nuclear threat, wants soldier back",
    ),
    Case(
        "a_government_seeks_the_release_of_a_detainee",
        "diplomacy",
        True,
        "Canada seeks the release of pastor held in North Korea",
    ),
    Case(
        "wanting_money_back_from_the_north_s_hackers_is_no_contact",
        "diplomacy",
        False,
        "Crypto exchange wants its money back from North Korean hackers",
    ),
    Case(
        "a_family_seeking_the_release_of_papers_is_no_contact",
        "diplomacy",
        False,
        "North Korean defector's family seeks release of his papers",
    ),
    # governments that work together on the North as such (cooperate, coordinate, work
    # together "on North Korea") make a joint pledge over it (G7); work with the North's own
    # partners on something else is not this rule, and neither is a drill
    Case(
        "two_governments_to_cooperate_on_the_north",
        "diplomacy",
        True,
        "South Korea, Australia to cooperate on North Korea threat, critical minerals",
    ),
    Case(
        "two_governments_vow_to_work_together_on_the_north",
        "diplomacy",
        True,
        "Tokyo and Seoul vow to work closely on Pyongyang's nuclear threat",
    ),
    Case(
        "cooperating_on_a_drill_near_the_north_is_no_pledge",
        "diplomacy",
        False,
        "Navies cooperate in rescue drill off North Korea's coast",
    ),
    Case(
        "teaming_up_against_the_north_s_hackers_is_no_pledge",
        "diplomacy",
        False,
        "Banks team up against North Korean hackers",
    ),
    # a person named by nationality ("US soldier", "U.S. citizen", "UK student") is no
    # government: what the North says such a person blamed is no government's reaction (G15:
    # the bare incident); the US government urging or blaming stays a reaction (G9, G15)
    Case(
        "a_us_soldier_blaming_is_no_government_reacting",
        "diplomacy",
        False,
        "North Korea says US soldier blamed harsh treatment for his flight",
        "The private, 24, ran across the border during a tour of the truce village.",
    ),
    Case(
        "a_uk_student_blaming_is_no_government_reacting",
        "diplomacy",
        False,
        "Pyongyang says detained UK student blamed his teachers, in first comment on the case",
    ),
    Case(
        "the_us_urging_the_soldier_s_release_stays_diplomacy",
        "diplomacy",
        True,
        "White House urges North Korea to free detained US soldier",
    ),
    Case(
        "the_us_blaming_the_north_stays_diplomacy",
        "diplomacy",
        True,
        "US blames North Korea for ignoring calls over detained soldier",
    ),
    # a missile or satellite "recently launched" / "newly launched" is an earlier launch the
    # item names as background, as "launched last month" (G3, G17): no event; a launch report
    # that names an earlier satellite so keeps its label from its own launch
    Case(
        "a_recently_launched_missile_is_background",
        "missile-test",
        False,
        "Ex-minister says Seoul must rethink its military spending",
        (
            "North Korea recently launched two ballistic missiles toward the Sea of Japan, and "
            "the former minister said the army needs more radars."
        ),
    ),
    Case(
        "a_newly_launched_missile_is_background",
        "missile-test",
        False,
        "Tokyo mayor criticised over remarks on defence budget",
        (
            "North Korea newly launched a solid-fuel missile from its east coast, and the mayor "
            "said the city should prepare shelters."
        ),
    ),
    Case(
        "a_launch_report_naming_a_recently_launched_satellite_stays_a_test",
        "missile-test",
        True,
        "North Korea fires ballistic missile into the sea",
        (
            "The launch came a week after Pyongyang put its recently launched reconnaissance "
            "satellite into operation, officials said."
        ),
    ),
    # a luxury brand the leader's family wears (Dior, Gucci, Chanel) is the words of a fashion
    # story, as "wardrobe" and "handbag" (G17): the launch it was worn to is its occasion; a
    # launch report whose lead names the brand keeps its label from its title
    Case(
        "a_brand_worn_to_a_launch_is_a_fashion_story",
        "missile-test",
        False,
        "North Korean leader's daughter spotted in Gucci coat",
        (
            "Kim Jong Un's daughter, Kim Ju Ae, wore a Gucci coat to a missile launch, and it was "
            "an odd sight in a country short of food."
        ),
    ),
    Case(
        "a_launch_report_naming_the_daughter_s_brand_stays_a_test",
        "missile-test",
        True,
        "North Korea fires new ICBM into sea off Japan",
        (
            "Kim Jong Un watched the launch with his daughter, who wore a Dior jacket, state "
            "media photos showed."
        ),
    ),
    # "over" after a form of "be" ("is over", "was over") ends something: it opens no
    # background clause, so what follows "and" is the sentence's main clause; "over" elsewhere
    # still opens one ("markets slide over ...")
    Case(
        "what_follows_is_over_and_is_the_main_clause",
        "missile-test",
        True,
        "The honeymoon is over and North Korea fires a ballistic missile toward Japan",
    ),
    Case(
        "over_elsewhere_still_opens_a_background_clause",
        "diplomacy",
        False,
        "Markets slide over North Korea nuclear talks collapse",
    ),
    # talks named with the North as the other party ("any new dialogue with Pyongyang", "talks
    # between Seoul and Pyongyang") make talks with the North the stated subject: a
    # government's policy on talks (G7); in an "as" clause they stay background (G0)
    Case(
        "new_dialogue_with_pyongyang_is_a_policy_on_talks",
        "diplomacy",
        True,
        "Yoon says appeasement of North Korea is over",
        "The president said any new dialogue with Pyongyang must be proposed by Kim Jong Un.",
    ),
    Case(
        "talks_with_pyongyang_in_an_as_clause_stay_background",
        "diplomacy",
        False,
        "North Korea holds mass anti-US rally as Washington seeks talks with Pyongyang",
    ),
    # the allies' watch on launches (monitoring of them, data on them, data sharing) names the
    # launches as what is watched: no test report (G3), and the data arrangement of the
    # militaries is no diplomacy (G7); a launch report that mentions the data keeps its label
    Case(
        "the_allies_monitoring_of_launches_reports_no_test",
        "missile-test",
        False,
        "Allies tighten monitoring of North Korea's missile launches",
    ),
    Case(
        "sharing_data_on_launches_reports_no_test",
        "missile-test",
        False,
        "US, Japan and South Korea start sharing real-time data on North Korean missile launches",
    ),
    Case(
        "a_missile_data_deal_is_no_diplomacy",
        "diplomacy",
        False,
        "Japan, US and South Korea negotiate a deal to pool North Korean missile data",
    ),
    Case(
        "a_launch_report_that_mentions_shared_data_stays_a_test",
        "missile-test",
        True,
        "North Korea fires ballistic missile toward the sea",
        (
            "South Korea's military said it was sharing data on the launch with the United "
            "States and Japan."
        ),
    ),
    # launches in general (round 18z, GUIDELINES G3): a title whose launch evidence names a
    # series or tally of launches ("a spate of", "a flurry of", "record number of"), the
    # programme ("spy satellite program") or is an explainer reports no launch, unless the title
    # or the lead sentence reports one particular launch: an event word with a weapon class, a
    # count of missiles or a day, outside those spans. Guards: a launch reported beside the
    # series, a tally that goes on with a named test, a reaction to one launch, a barrage.
    Case(
        "launches_in_general_are_no_launch_report-1",
        "missile-test",
        False,
        # (review: the row it replaces, a sanction "over" a spate, was background before 18z too)
        "Spate of North Korean missile launches rattles Tokyo markets",
    ),
    Case(
        "launches_in_general_are_no_launch_report-2",
        "missile-test",
        False,
        "Counting North Korea's flurry of missile tests",
        "Pyongyang has fired more missiles this year than in the previous five years together.",
    ),
    Case(
        "launches_in_general_are_no_launch_report-3",
        "missile-test",
        False,
        "Factbox: North Korea's missile launches this year",
        "Pyongyang has conducted more launches than in any previous year.",
    ),
    Case(
        "launches_in_general_are_no_launch_report-4",
        "missile-test",
        False,
        "North Korea's spy satellite program gets help from Moscow, Seoul lawmakers say",
        (
            "Russian engineers are aiding the North's efforts to build and launch a "
            "reconnaissance satellite, the lawmakers said."
        ),
    ),
    Case(
        "launches_in_general_are_no_launch_report-5",
        "missile-test",
        False,
        "Explainer: How North Korea's missile launches are tracked",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-1",
        "missile-test",
        True,
        "North Korea fires ballistic missile, its latest in a string of launches",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-2",
        "missile-test",
        True,
        "North Korea's record year of launches continues with ICBM test",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-3",
        "missile-test",
        True,
        "Japan protests North Korea's latest missile launch",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-4",
        "missile-test",
        True,
        "UN Security Council meets on North Korea's ICBM launch",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-5",
        "missile-test",
        True,
        "North Korea fires 23 missiles in a single day, the latest in a spate of launches",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-6",
        "missile-test",
        True,
        "Canada sanctions shipping firms after string of North Korean missile launches",
        "North Korea fired two ballistic missiles into the sea on Tuesday, its fourth launch this month.",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-7",
        "missile-test",
        True,
        "Explainer: How North Korea's missile launches are tracked",
        (
            "Japan's coast guard issued a warning after North Korea fired a ballistic missile "
            "early on Thursday."
        ),
    ),
    # review of round 18z: a headline verb that makes the series its object reports those
    # launches ("conducts series of missile launches", with no summary to say more)
    Case(
        "launches_in_general_are_no_launch_report-guard-series-object-1",
        "missile-test",
        True,
        "North Korea conducts series of missile launches",
    ),
    Case(
        "launches_in_general_are_no_launch_report-guard-series-object-2",
        "missile-test",
        True,
        "North Korea carries out a string of missile tests, Seoul says",
    ),
    Case(
        "launches_in_general_are_no_launch_report-series-object-3",
        "missile-test",
        False,
        "Markets shrug off string of North Korean missile launches",
    ),
    # acts and offices of diplomacy (issue 18, round 18aa): the calls, offices, channels and moves
    # a news writer names (G7, G9, G11, G14): "pick up the phone", a point man, an emissary, an
    # ambassador recalled, expelled or presenting credentials, messages exchanged, relations
    # normalised, a mediator, an aid offer and its answer, a backchannel, a peace declaration, a
    # communique, a thaw. Guards: the words alone in other senses (an embassy's K-pop night, a
    # phone maker, an envoy of a video game, another country's ambassador, a detention, a point
    # man of a programme, a wage mediation, aid at home, a spring thaw)
    Case(
        "acts_and_offices_of_diplomacy-1",
        "diplomacy",
        True,
        "Will Kim Jong Un pick up the phone if Washington calls again?",
    ),
    Case(
        "acts_and_offices_of_diplomacy-2",
        "diplomacy",
        True,
        "North Korea and Belarus leaders hold telephone conversation",
    ),
    Case(
        "acts_and_offices_of_diplomacy-3",
        "diplomacy",
        True,
        "Seoul names hawkish point man to handle relations with North Korea",
    ),
    Case(
        "acts_and_offices_of_diplomacy-4",
        "diplomacy",
        True,
        "Japan sends secret emissary to Pyongyang",
    ),
    Case(
        "acts_and_offices_of_diplomacy-5",
        "diplomacy",
        True,
        "North Korea extends olive branch to Japan's new prime minister",
    ),
    Case(
        "acts_and_offices_of_diplomacy-6",
        "diplomacy",
        True,
        "Mongolia offers to mediate between Washington and Pyongyang",
    ),
    Case(
        "acts_and_offices_of_diplomacy-7",
        "diplomacy",
        True,
        "Malaysia declares North Korean ambassador persona non grata",
    ),
    Case(
        "acts_and_offices_of_diplomacy-8",
        "diplomacy",
        True,
        "Peru recalls its ambassador from Pyongyang",
    ),
    Case(
        "acts_and_offices_of_diplomacy-9",
        "diplomacy",
        True,
        "Swedish diplomat presents credentials in Pyongyang",
    ),
    Case(
        "acts_and_offices_of_diplomacy-10",
        "diplomacy",
        True,
        "North Korea and Japan weigh steps to normalise relations",
    ),
    Case(
        "acts_and_offices_of_diplomacy-11",
        "diplomacy",
        True,
        "North Korea and Laos exchange messages on anniversary",
    ),
    Case(
        "acts_and_offices_of_diplomacy-12",
        "diplomacy",
        True,
        "North Korea rejects Seoul's vaccine offer",
    ),
    Case(
        "acts_and_offices_of_diplomacy-13",
        "diplomacy",
        True,
        "US kept a backchannel to North Korea open through the pandemic",
    ),
    Case(
        "acts_and_offices_of_diplomacy-14",
        "diplomacy",
        True,
        "Seoul pushes peace declaration with North Korea",
    ),
    Case(
        "acts_and_offices_of_diplomacy-15",
        "diplomacy",
        True,
        "North Korea opens communication channel with Tokyo",
    ),
    Case(
        "acts_and_offices_of_diplomacy-18",
        "diplomacy",
        True,
        "Thaw in North Korea's ties with Japan",
    ),
    Case(
        "acts_and_offices_of_diplomacy-16",
        "diplomacy",
        True,
        "North Korea and Vietnam issue communique on cooperation",
    ),
    Case(
        "acts_and_offices_of_diplomacy-17",
        "diplomacy",
        True,
        "North Korea and Iran hold rare rapprochement",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-1",
        "diplomacy",
        False,
        "South Korean embassy in Paris hosts K-pop festival",
        "Fans queued for hours at the event, held weeks after North Korea's latest threats.",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-2",
        "diplomacy",
        False,
        "North Korean phone maker unveils new handset",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-3",
        "diplomacy",
        False,
        "North Korean envoy is the villain of a new video game",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-4",
        "diplomacy",
        False,
        "Vietnam recalls its ambassador from Cambodia",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-5",
        "diplomacy",
        False,
        "North Korea confirms detention of US soldier",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-6",
        "diplomacy",
        False,
        "Kim names new point man for missile programme",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-7",
        "diplomacy",
        False,
        "Seoul court to mediate wage dispute of North Korean defectors",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-8",
        "diplomacy",
        False,
        "Kim Jong Un orders aid for flood-hit provinces, refuses to delay rice harvest",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-9",
        "diplomacy",
        False,
        "Former ambassador recalls his years in Pyongyang",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-10",
        "diplomacy",
        False,
        "Spring thaw floods farms in North Korea",
    ),
    Case(
        "acts_and_offices_of_diplomacy-guard-11",
        "diplomacy",
        False,
        "North Korea confirms detention of US soldier",
        "Pyongyang said the soldier refused help from the Swedish embassy.",
    ),
    # the allies' joint warning told from the North's side (G7, G9): "North Korea warned of a
    # response from the US, Japan and South Korea" is their joint act, not the North denouncing.
    # Guards: the North's own warning, one government's warning, a warning from no government
    Case(
        "allies_joint_warning_to_the_north-1",
        "diplomacy",
        True,
        "North Korea warned of joint response from US and Japan if it tests a nuclear bomb",
    ),
    Case(
        "allies_joint_warning_to_the_north-2",
        "diplomacy",
        True,
        "North Korea was warned by the US and South Korea against a seventh nuclear test",
    ),
    Case(
        "allies_joint_warning_to_the_north-guard-1",
        "diplomacy",
        False,
        "North Korea warns of nuclear response to allies' drills",
    ),
    Case(
        "allies_joint_warning_to_the_north-guard-2",
        "diplomacy",
        False,
        "South Korea's Yoon warns North Korea over nuclear weapons",
    ),
    Case(
        "allies_joint_warning_to_the_north-guard-3",
        "diplomacy",
        False,
        "North Korea warned of retaliation from its own army chiefs, defector says",
    ),
    # round 18aa mended (issue 18): its acts between governments want a government on the
    # other side (a country, its capital, a government office, another state's leader), and the
    # words that name a call, an office, a channel or a document in other senses count below the
    # threshold, with a government beside them or another sign. The North's domestic news and
    # noise that 18aa labelled are the guards; the rows above still hold
    Case(
        "diplomacy_acts_want_a_government_side-1",
        "diplomacy",
        True,
        "Qatar offers to mediate between US and North Korea",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-2",
        "diplomacy",
        True,
        "Kim Jong Un speaks with Putin by telephone",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-3",
        "diplomacy",
        True,
        "North Korea and Cuba exchange letters on anniversary of ties",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-1",
        "diplomacy",
        False,
        "Kim Jong Un offers relief to flood victims",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-2",
        "diplomacy",
        False,
        "North Korea offers aid to typhoon victims in its northern provinces",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-3",
        "diplomacy",
        False,
        "North Korean football team rejects offer of aid from FIFA",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-4",
        "diplomacy",
        False,
        "North Korean defectors reject offer of aid from Seoul's housing agency",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-5",
        "diplomacy",
        False,
        "Kim Jong Un exchanges greetings with workers on Labour Day",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-6",
        "diplomacy",
        False,
        "Kim Jong Un exchanges letters with schoolchildren",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-7",
        "diplomacy",
        False,
        "North Korean defectors swap letters with families via Red Cross",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-8",
        "diplomacy",
        False,
        "North Korea's party plenary meeting issues communique on farming",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-9",
        "diplomacy",
        False,
        "Kim Jong Un's sister issues communique on party work",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-10",
        "diplomacy",
        False,
        "Court to mediate dispute between North Korean defector and publisher",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-11",
        "diplomacy",
        False,
        "Lawyer brokered deal between Seoul club and North Korean footballer",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-12",
        "diplomacy",
        False,
        "Samsung normalises relations with suppliers after North Korea hacking scandal",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-13",
        "diplomacy",
        False,
        "North Korean hackers steal crypto by telephone scam",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-14",
        "diplomacy",
        False,
        "North Korean players pick up the phone to call home after Asian Cup win",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-15",
        "diplomacy",
        False,
        "North Korean emissary of the arts: pianist plays in Moscow",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-16",
        "diplomacy",
        False,
        "North Korean footballer declared persona non grata by club",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-17",
        "diplomacy",
        False,
        "North Korea's Olive Branch restaurant opens in Vietnam",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-18",
        "diplomacy",
        False,
        "North Korea's communication channel with the world: a Youtube vlogger",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-19",
        "diplomacy",
        False,
        "North Korea's new diplomatic channel: TikTok videos",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-20",
        "diplomacy",
        False,
        "North Korea's peace process with its farmers",
    ),
    Case(
        "diplomacy_acts_want_a_government_side-guard-21",
        "diplomacy",
        False,
        "North Korea mocks response from US and South Korea to its missile launch",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.shows)
def test_the_rule_gives_or_withholds_the_label(case: Case, pack) -> None:
    c = classify([pack], case.title, case.summary)
    assert (case.label in c.labels) is case.given, c.evidence.get(case.label)


def test_every_row_is_named_once() -> None:
    assert len({case.shows for case in CASES}) == len(CASES)
