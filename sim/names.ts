// Name pools for generated people and groups. Non-ASCII names are kept deliberately: they must
// survive PingOne JSON, the store and the Torii file byte for byte.

export const ASCII_GIVEN_NAMES = [
  'Alice', 'Ben', 'Carla', 'David', 'Emma', 'Frank', 'Grace', 'Hiro', 'Ines', 'Jack',
  'Kara', 'Liam', 'Maya', 'Noah', 'Olga', 'Priya', 'Quinn', 'Ravi', 'Sara', 'Tom',
];
export const ASCII_FAMILY_NAMES = [
  'Smith', 'Jones', 'Brown', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Moore', 'Taylor', 'Clark',
  'Lewis', 'Walker', 'Young', 'King', 'Wright', 'Hill', 'Green', 'Baker', 'Adams', 'Nelson',
];
export const NON_ASCII_GIVEN_NAMES = ['Zoë', 'Łukasz', 'José', 'Søren', 'Ångström', 'Çağla', 'Đorđe', 'Mía', 'Noël', 'Jürgen'];
export const NON_ASCII_FAMILY_NAMES = ['Ōtani', 'Müller', 'Nørgaard', 'Wójcik', 'Peña', 'Šimić', 'Öztürk', 'Ærø', 'Dvořák', 'Großmann'];

export const GROUP_NAMES = [
  'Engineering', 'Sales', 'Marketing', 'Finance', 'Support', 'Legal', 'Design', 'Operations',
  'Research', 'People', 'Security', 'Data', 'Platform', 'Mobile', 'Équipe Paris', 'Growth',
];

// Letters that NFD does not split into base + accent.
const LETTER_REPLACEMENTS: Record<string, string> = { 'ł': 'l', 'Ł': 'L', 'ø': 'o', 'Ø': 'O', 'æ': 'ae', 'Æ': 'AE', 'đ': 'd', 'Đ': 'D', 'ß': 'ss' };

/** ASCII form of a name for email local parts: real directories rarely hold IDN mailboxes. */
export function asciiName(name: string): string {
  return name
    .replace(/[łŁøØæÆđĐß]/g, (letter) => LETTER_REPLACEMENTS[letter])
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]/g, '');
}
