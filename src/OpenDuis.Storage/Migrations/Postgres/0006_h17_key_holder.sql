-- A download key may be held by the recipient's Registered Supplier Party (H17.6), named here; null: the recipient itself.
ALTER TABLE h17_download_keys ADD COLUMN holder TEXT;
