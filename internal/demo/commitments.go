package demo

import "github.com/habeas-kh/habeas/internal/domain"

// statement is the source the demo's commitments come from (domain.md
// section 1): the public record of what was promised in May 2020 and what
// had been reported by July.
const statement = "Amnesty International and LICADHO, joint statement, 23 July 2020"

// emitCommitments records the pledges, the declared figure and the reforms
// and demands of 2020 as the ministry or an NGO would enter them.
func (g *gen) emitCommitments() error {
	type entry struct {
		date domain.Date
		kind domain.Kind
		data any
	}
	may, july := domain.MustDate("2020-05-15"), domain.MustDate("2020-07-23")
	entries := []entry{
		{may, domain.KPledge, &domain.PledgeData{ID: "release-10000", Title: "Release up to 10,000 prisoners",
			MadeBy: "Minister of Interior", Kind: domain.PledgeReleases, Start: may, Deadline: may.AddMonths(6), Target: 10000,
			Source: statement, Note: "Announced in May 2020 [secondary: the exact day is not given; the 15th is assumed]; no release figures had been published by July 2020."}},
		{may, domain.KPledge, &domain.PledgeData{ID: "backlog-campaign", Title: "Six-month campaign to clear the case backlog",
			MadeBy: "Minister of Justice", Kind: domain.PledgeBacklog, Start: may, Deadline: may.AddMonths(6), Target: 35000,
			Source: statement, Note: "The number of cases targeted was not published; 3,500 cleared by July was 'under 10%' of it, so the target was more than 35,000 [unconfirmed lower bound]."}},
		{july, domain.KDeclaration, &domain.DeclarationData{Pledge: "backlog-campaign", Figure: 3500, AsOf: july,
			DeclaredBy: "Ministry of Justice, as reported", Source: statement}},
	}
	reforms := []struct {
		id, title, by string
		status        domain.ReformStatus
		date          domain.Date
	}{
		{"bail", "Use judicial supervision (bail) as an alternative to pre-trial detention", "Minister of Justice", domain.ReformAnnounced, may},
		{"suspended-sentences", "Use suspended sentences as an alternative to incarceration", "Minister of Justice", domain.ReformAnnounced, may},
		{"early-conditional-release", "Early and conditional release", "Minister of Justice", domain.ReformAnnounced, may},
		{"report-releases", "Report publicly how many were released and by which legal mechanism", "Amnesty International and LICADHO", domain.ReformDemanded, july},
		{"release-at-risk", "Release first older prisoners, prisoners with medical conditions, pregnant women, women held with their children and child prisoners", "Amnesty International and LICADHO", domain.ReformDemanded, july},
		{"release-without-basis", "Release immediately everyone held without sufficient legal basis, including in drug detention centres", "Amnesty International and LICADHO", domain.ReformDemanded, july},
		{"release-political", "Release all held on politically motivated grounds", "Amnesty International and LICADHO", domain.ReformDemanded, july},
		{"amend-drug-law", "Amend the Law on Drug Control", "Amnesty International and LICADHO", domain.ReformDemanded, july},
	}
	for _, r := range reforms {
		entries = append(entries, entry{r.date, domain.KReform, &domain.ReformData{ID: r.id, Title: r.title, PromisedBy: r.by,
			Status: r.status, Source: statement}})
	}
	// By the July statement the announced alternatives showed no sign of use.
	for _, id := range []string{"bail", "suspended-sentences", "early-conditional-release"} {
		entries = append(entries, entry{july, domain.KReform, &domain.ReformData{ID: id, Status: domain.ReformStalled, Source: statement,
			Note: "No figures on their use had been published two months after the announcement."}})
	}
	for _, e := range entries {
		// Entered the day after, in office hours, by the demo's registrar.
		at := stamp(e.date.DayNumber()+1, 10*3600)
		g.put(&domain.Event{Kind: e.kind, Date: e.date, RecordedAt: at, RecordedBy: recordedBy, Via: via, Data: e.data})
	}
	return nil
}
