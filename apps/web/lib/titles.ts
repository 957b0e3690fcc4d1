// Page titles that depend on the URL: the server renders them for a first load (generateMetadata) and
// the client keeps them current when the URL changes without a server round trip (history.pushState).

export function searchTitle(q: string): string {
  const text = q.trim();
  return text ? `“${text.length > 60 ? `${text.slice(0, 60)}…` : text}” · Search · Earshot` : 'Search · Earshot';
}
