/**
 * Why an account needs reconnecting, when the platform said so (an OAuth refresh refused: the sign-in was revoked,
 * expired or used elsewhere). Null for the other causes (a secret missing from the keychain), which say their own.
 */
export const up = /* sql */ `
ALTER TABLE accounts ADD COLUMN reconnect_reason TEXT;
`;
