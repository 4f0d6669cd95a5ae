-- +goose Up
-- Each user's time zone (issue 11, time and money): the IANA zone the web
-- pages show times in. '' (every user before this migration) means the
-- office's zone, POSTRELEASE_OFFICE_TIME_ZONE, so changing the office
-- setting moves everyone who has not chosen a zone of their own.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
