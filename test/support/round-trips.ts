/** What a timeline records where data came back from the server. */
export const ANSWER = '(answer)';

/**
 * The round trips in a timeline: each run of statements sent before the next answer came back is
 * one (statements written together travel together, and the server answers them in order).
 */
export function roundTrips(events: string[]): string[][] {
  const trips: string[][] = [];
  let answered = true;
  for (const event of events) {
    if (event === ANSWER) answered = true;
    else {
      if (answered) trips.push([]);
      answered = false;
      trips.at(-1)!.push(event.trim().split(/\s+/)[0]!.toLowerCase());
    }
  }
  return trips;
}
