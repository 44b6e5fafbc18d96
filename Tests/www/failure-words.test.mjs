// The failure wording is not part of a page load: it joins a locale's table when the first failed
// job is shown, and comes with every locale loaded after that (a switch of language).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRINGS, hasFailureWords, loadFailureWords, loadLocale, setLocale, t } from '../../www/js/strings.js';

test('failure wording joins the table on first use, and every locale loaded later', async () => {
  await loadLocale('zh');
  setLocale('zh');
  assert.equal(hasFailureWords(), false);
  assert.equal(t('fail.title.config'), 'fail.title.config');
  assert.ok(Object.keys(STRINGS.zh).length > 150, 'the rest of the table is there');
  await loadFailureWords();
  assert.equal(hasFailureWords(), true);
  assert.equal(t('fail.config.spool_unwritable'), '服务器无法在磁盘上记下这次提交，未向上游发送任何内容。');
  await loadLocale('en');
  setLocale('en');
  assert.equal(hasFailureWords(), true);
  assert.equal(t('fail.upstream.overloaded'), 'The provider is under heavy load.');
});
