package store

import (
	"reflect"
	"testing"
)

func TestSplitSQLDialects(t *testing.T) {
	body := `-- a comment; with a semicolon
CREATE TABLE a (
    id TEXT
);
-- dialect: sqlite
CREATE TRIGGER t BEFORE DELETE ON a BEGIN SELECT RAISE(ABORT, 'no'); END;
-- dialect: postgres
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no'; END $$;
CREATE INDEX a_id ON a (id);
-- dialect: postgres
SELECT 1`
	want := []statement{
		{sql: "CREATE TABLE a (\n    id TEXT\n);"},
		{sql: "CREATE TRIGGER t BEFORE DELETE ON a BEGIN SELECT RAISE(ABORT, 'no'); END;", dialect: "sqlite"},
		{sql: "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no'; END $$;", dialect: "postgres"},
		{sql: "CREATE INDEX a_id ON a (id);"},
		{sql: "SELECT 1", dialect: "postgres"},
	}
	if got := splitSQL(body); !reflect.DeepEqual(got, want) {
		t.Errorf("splitSQL =\n%#v\nwant\n%#v", got, want)
	}
}
