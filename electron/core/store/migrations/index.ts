import * as initial from './001-initial';
import * as settingsSearch from './002-settings-search';
import * as courseStats from './003-course-stats';
import * as prefixSearch from './004-prefix-search';
import * as generationStats from './005-generation-stats';
import * as syncLocks from './006-sync-locks';
import * as reportSchedules from './007-report-schedules';
import * as fidelityColumns from './008-fidelity-columns';
import * as requirements from './009-requirements';
import * as changeLog from './010-change-log';
import * as selfcommunityOauth from './011-selfcommunity-oauth';

/** Ordered; a database's `user_version` is the number of migrations it has applied. Never edit a shipped one. */
export const MIGRATIONS: readonly { name: string; up: string }[] = [
  { name: '001-initial', up: initial.up },
  { name: '002-settings-search', up: settingsSearch.up },
  { name: '003-course-stats', up: courseStats.up },
  { name: '004-prefix-search', up: prefixSearch.up },
  { name: '005-generation-stats', up: generationStats.up },
  { name: '006-sync-locks', up: syncLocks.up },
  { name: '007-report-schedules', up: reportSchedules.up },
  { name: '008-fidelity-columns', up: fidelityColumns.up },
  { name: '009-requirements', up: requirements.up },
  { name: '010-change-log', up: changeLog.up },
  { name: '011-selfcommunity-oauth', up: selfcommunityOauth.up },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
