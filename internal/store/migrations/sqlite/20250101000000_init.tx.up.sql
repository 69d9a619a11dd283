-- Times are INTEGER microseconds since the Unix epoch, UTC (see dbTime).

CREATE TABLE users (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	username        TEXT    NOT NULL,
	email           TEXT    NOT NULL,
	password_hash   TEXT    NOT NULL,
	bio             TEXT,
	image           TEXT,
	token_version   INTEGER NOT NULL DEFAULT 0,
	followers_count INTEGER NOT NULL DEFAULT 0 CHECK (followers_count >= 0),
	following_count INTEGER NOT NULL DEFAULT 0 CHECK (following_count >= 0),
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
--bun:split
CREATE UNIQUE INDEX users_username_key ON users (username);
--bun:split
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
--bun:split

CREATE TABLE follows (
	follower_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	followee_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (follower_id, followee_id),
	CHECK (follower_id <> followee_id)
) WITHOUT ROWID;
--bun:split
-- Following: whom a user follows, most recent first.
CREATE INDEX follows_follower_idx ON follows (follower_id, created_at DESC, followee_id DESC);
--bun:split
-- Followers: who follows a user, most recent first.
CREATE INDEX follows_followee_idx ON follows (followee_id, created_at DESC, follower_id DESC);
--bun:split

CREATE TABLE articles (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	slug            TEXT    NOT NULL,
	title           TEXT    NOT NULL,
	description     TEXT    NOT NULL,
	body            TEXT    NOT NULL,
	author_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	favorites_count INTEGER NOT NULL DEFAULT 0 CHECK (favorites_count >= 0),
	comments_count  INTEGER NOT NULL DEFAULT 0 CHECK (comments_count >= 0),
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
--bun:split
CREATE UNIQUE INDEX articles_slug_key ON articles (slug);
--bun:split
-- The home page: newest first.
CREATE INDEX articles_created_idx ON articles (created_at DESC, id DESC);
--bun:split
-- An author's articles, and the feed (articles by followed authors).
CREATE INDEX articles_author_idx ON articles (author_id, created_at DESC, id DESC);
--bun:split

CREATE TABLE tags (
	id   INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT    NOT NULL
);
--bun:split
CREATE UNIQUE INDEX tags_name_key ON tags (name);
--bun:split

CREATE TABLE article_tags (
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	position   INTEGER NOT NULL,
	PRIMARY KEY (article_id, tag_id)
) WITHOUT ROWID;
--bun:split
-- Articles with a tag, and tag popularity.
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);
--bun:split

CREATE TABLE favorites (
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, article_id)
) WITHOUT ROWID;
--bun:split
-- Who favorited an article (and the cascade when it is deleted).
CREATE INDEX favorites_article_idx ON favorites (article_id, user_id);
--bun:split
-- A user's favorites, most recent first.
CREATE INDEX favorites_user_idx ON favorites (user_id, created_at DESC, article_id DESC);
--bun:split

CREATE TABLE comments (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	author_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	body       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
--bun:split
-- An article's comments, oldest first.
CREATE INDEX comments_article_idx ON comments (article_id, created_at, id);
--bun:split
-- A user's comments (and the cascade when the user is deleted).
CREATE INDEX comments_author_idx ON comments (author_id);
