"""What is public: the log events of listings, signed entries, and the public read model."""
