// Package domain is the vocabulary of the register: what the ledger records
// and what the rest of habeas computes from it, with no way of storing or
// serving it.
//
// It holds:
//
//   - Events (event.go): one Event per entry of the ledger, its Kind, and the
//     data of each kind (an admission, a transfer, an order, a verdict, a
//     release, a correction, ...), with the strict decoding of the interchange
//     format; chain.go gives an event's canonical body and the hash chain
//     that makes the ledger tamper-evident.
//   - The person fold (projection.go): Project folds a person's events,
//     corrections applied, into a PersonFile (stays, episodes, legal status,
//     flags) as of a date. Every figure, screening and page about a person
//     starts from it, so they all agree.
//   - The rules an event must keep (validate.go): each payload's Validate,
//     person identifiers, free text and the latest date allowed. The ledger,
//     the imports, the API and the forms all call them, so they refuse the
//     same input alike.
//   - Dates (date.go): Date, a calendar day as the integer YYYYMMDD, ordered
//     and cheap to store; NoDate is the unknown date.
//   - Enumerations (enums.go): the closed vocabularies (kinds of facility,
//     legal statuses, orders, offence classes, release mechanisms, health
//     facts). The interchange format and the rule packs use these exact
//     strings, so adding or renaming one is a format change.
//   - Commitments (commitment.go): pledges, declared figures and reforms, and
//     FoldCommitments, which builds them from their events as of a date.
//   - The error vocabulary (errors.go): Error with a Code (invalid, not
//     found, forbidden, unauthenticated, conflict), the field path of invalid
//     input and a cause. Services return it; each entry point (the web pages,
//     the API, the CLI, an import) translates it into its own terms.
//
// The package imports nothing of the project: no storage, no HTTP, no
// command line; only the standard library and a JSON library. The rest of
// habeas imports it, so the meaning of an event and of a person's file is
// written once and can be tested without a database or a server.
package domain
