"""Process settings from the environment (pydantic-settings): where the store and the config file are."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STATE_DIR = Path(".accountsync")


class Settings(BaseSettings):
    """Read from `ACCOUNTSYNC_*` variables and `DATABASE_URL`; built by `load_settings()`, never at import."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNTSYNC_", extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL of the store; default: SQLite file under the state dir.",
    )
    state_dir: Path = Field(default=DEFAULT_STATE_DIR, description="Where local state (SQLite store) lives.")
    config: Path | None = Field(default=None, description="Default config file for commands that take one.")

    def store_url(self) -> str:
        """The store's URL: DATABASE_URL, else `sqlite:///<state_dir>/accountsync.db`."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.state_dir / 'accountsync.db'}"


def load_settings() -> Settings:
    """Build the settings from the current environment."""
    return Settings()
