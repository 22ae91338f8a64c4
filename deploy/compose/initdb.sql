-- One database and one owner per service, as in production (each service's database is its own).
-- Run once by the postgres image when its volume is new (docker-entrypoint-initdb.d).
CREATE ROLE loket_identity LOGIN PASSWORD 'loket';
CREATE DATABASE loket_identity OWNER loket_identity;
CREATE ROLE loket_dossier LOGIN PASSWORD 'loket';
CREATE DATABASE loket_dossier OWNER loket_dossier;
CREATE ROLE loket_aanmelding LOGIN PASSWORD 'loket';
CREATE DATABASE loket_aanmelding OWNER loket_aanmelding;
CREATE ROLE loket_loting LOGIN PASSWORD 'loket';
CREATE DATABASE loket_loting OWNER loket_loting;
CREATE ROLE loket_notificatie LOGIN PASSWORD 'loket';
CREATE DATABASE loket_notificatie OWNER loket_notificatie;
