// How the newsletter writes a few small things the same way in the email, the pages and the reports.

/** A tally of panel takes or reader votes: "3 ship / 1 skip". */
export function tally({ ship, skip }: { ship: number; skip: number }): string {
  return `${ship} ship / ${skip} skip`;
}

/** A word as it starts a sentence or a label: "founder" becomes "Founder". */
export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
