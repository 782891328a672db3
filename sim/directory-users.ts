// How one generated PingOne user looks: name, email or none, username shape, status, population
// and dates. Everything derives from the seeded stream and the user's number, never from the clock.
import type { SimPopulation, SimUser } from './directory-records';
import { ASCII_FAMILY_NAMES, ASCII_GIVEN_NAMES, NON_ASCII_FAMILY_NAMES, NON_ASCII_GIVEN_NAMES, asciiName } from './names';
import { Random, pickOne, pickWeighted, randomInt, randomUuid } from './random';

export interface UserShape {
  populationShares: number[];
  disabledShare: number;
  lockedShare: number;
  verificationRequiredShare: number;
  noEmailShare: number;
  nonAsciiShare: number;
  mixedCaseEmailShare: number;
}

const DAY_MS = 86_400_000;
// Fixed epoch so two runs with one seed produce identical timestamps.
const DIRECTORY_EPOCH_MS = Date.UTC(2023, 0, 1);

/** `number` makes username and email unique (also case-insensitively); callers never reuse one. */
export function makeUser(random: Random, number: number, populations: SimPopulation[], shape: UserShape): SimUser {
  const nonAscii = random() < shape.nonAsciiShare;
  const given = pickOne(random, nonAscii ? NON_ASCII_GIVEN_NAMES : ASCII_GIVEN_NAMES);
  const family = pickOne(random, nonAscii ? NON_ASCII_FAMILY_NAMES : ASCII_FAMILY_NAMES);
  const local = `${asciiName(given)}.${asciiName(family)}.${number}`;
  const mailbox = `${local.toLowerCase()}@example.com`;

  const enabled = !(random() < shape.disabledShare);
  const locked = random() < shape.lockedShare;
  const hasEmail = !(random() < shape.noEmailShare);
  const createdMs = DIRECTORY_EPOCH_MS + randomInt(random, 0, 365 * DAY_MS);
  const updatedMs = createdMs + randomInt(random, 0, 100 * DAY_MS);
  const signedOn = random() < 0.75;
  const verificationRequired = random() < shape.verificationRequiredShare;

  const user: SimUser = {
    id: randomUuid(random),
    username: hasEmail ? emailedUsername(random, local, mailbox) : emaillessUsername(random, local),
    name: personName(random, given, family),
    enabled,
    account: locked ? { status: 'LOCKED', canAuthenticate: false } : { status: 'OK', canAuthenticate: enabled },
    lifecycle: { status: verificationRequired ? 'VERIFICATION_REQUIRED' : 'ACCOUNT_OK' },
    population: { id: populations[pickWeighted(random, populationWeights(shape.populationShares, populations.length))].id },
    createdAt: new Date(createdMs).toISOString(),
    updatedAt: new Date(updatedMs).toISOString(),
  };
  if (hasEmail) user.email = random() < shape.mixedCaseEmailShare ? `${local}@example.com` : mailbox;
  if (signedOn) {
    user.lastSignOn = {
      at: new Date(updatedMs + randomInt(random, 0, 30 * DAY_MS)).toISOString(),
      remoteIp: `203.0.113.${number % 250}`,
    };
  }
  return user;
}

// A few people have only a given name, or no name at all, as directories imported from HR do.
function personName(random: Random, given: string, family: string): SimUser['name'] {
  const roll = random();
  if (roll < 0.01) return {};
  if (roll < 0.03) return { given, formatted: given };
  return { given, family, formatted: `${given} ${family}` };
}

function emailedUsername(random: Random, local: string, mailbox: string): string {
  return random() < 0.3 ? mailbox : local.toLowerCase();
}

// Users without email: a third have a usable email-shaped username, a third a plain login, and a
// third something with an @ that is not an address (no dot in the domain) and must be skipped.
function emaillessUsername(random: Random, local: string): string {
  const roll = random();
  if (roll < 1 / 3) return `${local.toLowerCase()}@example.org`;
  if (roll < 2 / 3) return local.toLowerCase();
  return `${local.toLowerCase()}@corp`;
}

function populationWeights(shares: number[], populationCount: number): number[] {
  return Array.from({ length: populationCount }, (_, i) => shares[i] ?? 0.05);
}
