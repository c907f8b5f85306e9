/**
 * The page's English strings: the catalogue every language copies (de.ts is
 * typed `Catalogue`, so a missing or misspelt key fails the typecheck).
 * A string with parts is a function of them; dates and times are not
 * written here but formatted by Intl (format.ts).
 */
export const en = {
  // the page around the feed
  skipToCompose: 'Skip to writing a post',
  thisBox: 'this box:',
  live: { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' },
  sections: 'Sections',
  navFeed: 'Feed',
  navAround: 'Around you',
  navReports: 'Reports',
  navMuted: 'Muted',
  navProfile: 'Your name',
  feedHeading: 'Feed',
  language: 'Language',
  languageNames: { en: 'English', de: 'Deutsch' },
  // writing
  composeLabel: 'Write to your neighbours',
  post: 'Post',
  posting: 'Posting…',
  cancel: 'Cancel',
  notPosted: 'Not posted',
  writeFirst: 'Write something first.',
  tooLong: (bytes: number, max: number) =>
    `Too long: ${bytes} bytes, the limit is ${max} bytes (UTF-8). Shorten it by ${bytes - max} bytes.`,
  bytesOf: (bytes: number, max: number) => `${bytes} / ${max} bytes`,
  notPairedKept: (notDone: string, why: string) =>
    `${notDone}: this browser is not paired with the box. Pair it below; your text is kept. (${why})`,
  refusedKept: (notDone: string, why: string, code: string) => `${notDone}: ${why} (${code}). Your text is kept.`,
  wentWrongKept: (notDone: string) => `${notDone}: something went wrong. Your text is kept.`,
  pairedPress: (submit: string) => `Paired. Press “${submit}” to send your text.`,
  // the timeline
  noPosts: 'No posts yet. Write the first one.',
  postsNewestFirst: 'Posts, newest first',
  loading: 'Loading…',
  olderPosts: 'Older posts',
  everything: 'That is everything this box has.',
  reply: 'Reply',
  replies: 'Replies',
  replyTo: (name: string) => `Reply to ${name}`,
  sendReply: 'Send reply',
  mute: 'Mute',
  muteWho: (name: string) => `Mute ${name}`,
  report: 'Report',
  reportedThanks: 'Reported. Thank you.',
  // kinds of post
  kind: 'Kind of post',
  kinds: {
    post: 'Post',
    offer: 'Offer',
    request: 'Request',
    event: 'Event',
    lost: 'Lost',
    found: 'Found',
    recommendation: 'Recommendation',
    alert: 'Alert',
    poll: 'Poll'
  },
  textLabel: {
    post: 'Write to your neighbours',
    offer: 'What do you offer? (give away, lend, sell)',
    request: 'What are you looking for?',
    event: 'Title of the event',
    lost: 'What did you lose, and where?',
    found: 'What did you find, and where?',
    recommendation: 'What do you recommend?',
    alert: 'What is urgent? (shown on top of every page for 24 h)',
    poll: 'Question'
  },
  price: 'Price (optional, e.g. “free” or “5 €”)',
  starts: 'Starts',
  ends: 'Ends (optional)',
  place: 'Place',
  details: 'Details (optional)',
  option: (n: number) => `Option ${n}`,
  addOption: 'Add an option',
  removeOption: (n: number) => `Remove option ${n}`,
  multiple: 'People may choose more than one option',
  closes: 'Voting closes (optional, default in 7 days)',
  needStarts: 'Say when the event starts.',
  needPlace: 'Say where the event is.',
  endsBeforeStarts: 'The event cannot end before it starts.',
  needOptions: 'A poll needs 2 to 10 options.',
  closesInPast: 'The closing time is in the past.',
  // showing kinds
  priceIs: (price: string) => `Price: ${price}`,
  doneMark: { offer: 'Given away', request: 'Found help' },
  markDone: { offer: 'Mark as given away', request: 'Mark as found help' },
  when: 'When',
  where: 'Where',
  rsvpGroup: 'Will you come?',
  rsvp: { going: 'Going', maybe: 'Maybe', no: 'Not going' },
  rsvpCounts: (going: number, maybe: number, no: number) => `${going} going · ${maybe} maybe · ${no} not going`,
  vote: 'Vote',
  voting: 'Voting…',
  changeVote: 'Change my vote',
  chooseOne: 'Choose one',
  chooseAny: 'Choose one or more',
  closesAt: 'Closes',
  closedAt: 'Closed',
  votesFor: (n: number) => (n === 1 ? '1 vote' : `${n} votes`),
  tallySummary: (people: number, households: number | undefined) =>
    `${people === 1 ? '1 person' : `${people} people`}${
      households === undefined ? '' : ` in ${households === 1 ? '1 household' : `${households} households`}`
    }`,
  howWeKnow: (n: number) => `How we know: the ${n === 1 ? 'vote' : `${n} votes`} this box holds`,
  moreVotes: (n: number) => `and ${n} more`,
  refusedVotes: (late: number, invalid: number) =>
    `Not counted: ${late} after closing, ${invalid} for an option the poll lacks`,
  unclaimedVoter: 'no household',
  pinnedAlerts: 'Alerts',
  alertUntil: 'until',
  notDone: 'Not done',
  // lists and filters
  filters: 'Show',
  filter: {
    all: 'Everything',
    trade: 'Offers & requests',
    events: 'Events',
    polls: 'Polls',
    lostFound: 'Lost & found',
    recommendations: 'Recommendations',
    alerts: 'Alerts'
  },
  noneOfKind: 'Nothing of this kind yet.',
  upcoming: 'Upcoming events',
  noUpcoming: 'No events ahead.',
  open: 'Open offers & requests',
  noOpen: 'Nothing open right now.',
  // search
  search: 'Search',
  searchLabel: 'Search everything this box holds',
  searching: 'Searching…',
  searchResults: (q: string, n: number) => `${n === 1 ? '1 result' : `${n} results`} for “${q}”`,
  clearSearch: 'Back to the feed',
  searchFailed: (why: string) => `Could not search: ${why}`,
  // the title
  title: (unread: number) => (unread > 0 ? `(${unread}) Kiez` : 'Kiez')
}

export type Catalogue = typeof en
