-- Row-level security, evaluated once per query instead of once per row.
--
-- The policies called app_in_scope(practice_id), an SQL function PostgreSQL inlines into
-- every row's check: each row parsed the 'app.practice_ids' setting into a uuid[] again,
-- which doubled the cost of reading a week of a busy calendar. Wrapped in scalar
-- sub-selects, the settings become InitPlans computed once per query. The meaning of each
-- policy is unchanged. New policies are written in this form:
--   USING ((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]))
DO $$
DECLARE
  r record;
  q text;
  c text;
  stmt text;
BEGIN
  FOR r IN SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' LOOP
    q := r.qual;
    c := r.with_check;
    q := regexp_replace(q, 'app_all_practices\(\)', '(SELECT app_all_practices())', 'g');
    c := regexp_replace(c, 'app_all_practices\(\)', '(SELECT app_all_practices())', 'g');
    q := regexp_replace(q, 'app_user_id\(\)', '(SELECT app_user_id())', 'g');
    c := regexp_replace(c, 'app_user_id\(\)', '(SELECT app_user_id())', 'g');
    q := regexp_replace(q, 'app_in_scope\(([A-Za-z_.]+)\)',
      '((SELECT app_all_practices()) OR \1 = ANY ((SELECT app_practice_ids())::uuid[]))', 'g');
    c := regexp_replace(c, 'app_in_scope\(([A-Za-z_.]+)\)',
      '((SELECT app_all_practices()) OR \1 = ANY ((SELECT app_practice_ids())::uuid[]))', 'g');
    stmt := format('ALTER POLICY %I ON %I', r.policyname, r.tablename);
    IF q IS NOT NULL THEN
      stmt := stmt || format(' USING (%s)', q);
    END IF;
    IF c IS NOT NULL THEN
      stmt := stmt || format(' WITH CHECK (%s)', c);
    END IF;
    EXECUTE stmt;
  END LOOP;
END $$;

-- Nothing may still call the per-row form.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public'
             AND (qual ~ 'app_in_scope\(' OR with_check ~ 'app_in_scope\(')) THEN
    RAISE EXCEPTION 'a policy still calls app_in_scope';
  END IF;
END $$;
